import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ADMIN_TOKEN, startApi } from '../support/campaign-harness';
import { clickhouseFor, dropSuiteData, KafkaHarness, startIngest } from '../support/ingest-harness';
import { ServiceProcess } from '../support/service-process';
import { freePort, uniqueSuffix } from '../support/test-env';
import { segmenterEnv, startSegmenter } from '../segmenter/segmenter-harness';

const ROOT = join(__dirname, '..', '..');

/** Runs the built quick-start demo (what `npm run up` ends with) against the given services. */
function runDemo(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist', 'libs', 'runtime', 'src', 'quickstart-demo.cli.js')],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The quick start's proof of life: a visitor's journey sent to the collector comes out of the
 * segmenter as two segment entries (with cause and reason) and shows in the api's profile; a
 * second run reuses the demo's segments. Collector, ingest, segmenter and api run on isolated
 * topics and a database of their own.
 */
describe('quick-start demo: one journey through collector, ingest, segmenter and api', () => {
  const suffix = uniqueSuffix();
  const env = segmenterEnv(suffix, { CDP_ADMIN_TOKEN: ADMIN_TOKEN, COLLECTOR_WRITE_KEYS: 'qs-e2e-key:web' });
  const services: ServiceProcess[] = [];
  let demoEnv: Record<string, string>;

  beforeAll(async () => {
    const collector = new ServiceProcess('collector', await freePort(), env);
    services.push(collector);
    const [ingest, segmenter, api] = await Promise.all([
      startIngest(env),
      startSegmenter(env),
      startApi(env),
    ]);
    services.push(ingest, segmenter, api);
    await collector.waitForStatus('/health/ready', 200, 60000);
    demoEnv = {
      ...env,
      COLLECTOR_PORT: String(collector.port),
      API_PORT: String(api.port),
      QUICKSTART_TIMEOUT_MS: '30000',
    };
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await dropSuiteData(
      new KafkaHarness(env.KAFKA_BROKERS),
      clickhouseFor(env),
      suffix,
      env.CLICKHOUSE_DATABASE,
    );
  });

  it('prints both entries and the profile, exit 0; a second run reuses the segments', async () => {
    const first = await runDemo(demoEnv);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/segment quickstart-cart-today created/);
    expect(first.stdout).toMatch(
      /segment\.entered quickstart-cart-today v1 {2}profile p-\S+ {2}cause (event|merge) \S+ {2}reason Product Added count within 1d >= 1: 1/,
    );
    expect(first.stdout).toMatch(
      /segment\.entered quickstart-first-buyers v1 {2}profile p-\S+ {2}cause (event|merge) \S+ {2}reason lifecycleStage = "new": "new"/,
    );
    expect(first.stdout).toMatch(
      /lifecycle stage new, acquisition channel email, segments quickstart-cart-today, quickstart-first-buyers/,
    );

    const second = await runDemo(demoEnv);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/segment quickstart-cart-today already there/);
    expect(second.stdout.match(/segment\.entered/g)).toHaveLength(2);
  });

  it('fails with a clear message when the api refuses the token', async () => {
    const res = await runDemo({ ...demoEnv, CDP_ADMIN_TOKEN: 'not-the-admin-token-at-all' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/quickstart demo: creating quickstart-cart-today answered 401/);
  });
});
