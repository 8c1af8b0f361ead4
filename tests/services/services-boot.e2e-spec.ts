import { ServiceName, ServiceProcess, runToExit } from '../support/service-process';
import { freePort, isolatedEnv, uniqueSuffix } from '../support/test-env';

const SERVICES: ServiceName[] = ['collector', 'ingest', 'segmenter', 'campaign', 'api'];

describe.each(SERVICES)('%s service', (name) => {
  const suffix = uniqueSuffix();
  let svc: ServiceProcess;

  beforeAll(async () => {
    svc = new ServiceProcess(name, await freePort(), isolatedEnv(suffix));
    await svc.waitForStatus('/health/live', 200);
  });

  afterAll(async () => {
    await svc.stop('SIGKILL');
  });

  it('becomes ready once Kafka, ClickHouse, its topics and migrations are there', async () => {
    await svc.waitForStatus('/health/ready', 200);
    const ready = JSON.parse((await svc.get('/health/ready')).body) as {
      status: string;
      checks: Record<string, { status: string }>;
    };
    expect(ready.status).toBe('ok');
    // every service checks these; some add their own (e.g. the segmenter's partitions)
    expect(Object.keys(ready.checks)).toEqual(expect.arrayContaining(['clickhouse', 'kafka', 'startup']));
    for (const check of Object.values(ready.checks)) expect(check.status).toBe('ok');
  });

  it('serves Prometheus metrics from its own registry: default process metrics and its own', async () => {
    await svc.get('/health/live'); // at least one request recorded
    const res = await svc.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.body).toContain(`cdp_process_cpu_seconds_total{service="${name}"}`);
    expect(res.body).toContain('cdp_nodejs_heap_size_used_bytes');
    expect(res.body).toMatch(
      /cdp_http_request_duration_seconds_count\{[^}]*route="\/health\/live"[^}]*\} [1-9]/,
    );
    expect(res.body).toMatch(/cdp_startup_seconds\{service="[a-z]+"\} \d/);
  });

  it('logs JSON lines and shuts down gracefully on SIGTERM', async () => {
    const code = await svc.stop('SIGTERM');
    expect(code).toBe(0);
    const lines = svc.jsonLines(); // throws on a non-JSON line
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) {
      expect(l).toEqual(
        expect.objectContaining({ service: name, level: expect.any(String), time: expect.any(String) }),
      );
    }
    const messages = lines.map((l) => String(l.msg));
    expect(messages).toContain(`${name} listening on http://127.0.0.1:${svc.port}`);
    expect(messages.some((m) => m.startsWith('received SIGTERM'))).toBe(true);
  });
});

describe('configuration errors', () => {
  it.each<[ServiceName, string, string, RegExp]>([
    [
      'collector',
      'KAFKA_BROKERS',
      'not a broker list',
      /KAFKA_BROKERS must be a comma-separated list of host:port/,
    ],
    ['api', 'CLICKHOUSE_URL', 'clickhouse:8123', /CLICKHOUSE_URL must be an http\(s\) URL/],
    [
      'ingest',
      'INGEST_METRICS_PORT',
      'ninety',
      /INGEST_METRICS_PORT must be an integer from 1 to 65535 \(got "ninety"\)/,
    ],
    ['segmenter', 'LOG_LEVEL', 'chatty', /LOG_LEVEL must be one of the following values/],
    [
      'api',
      'TRAITS_CONFIG',
      '{"lifecycle":{"churnDays":"sixty"},"rfm":{"recencyDays":[90,30,180,365]}}',
      /TRAITS_CONFIG lifecycle\.churnDays must be a whole number from 1 to 1000000 \(got "sixty"\); rfm\.recencyDays must be in ascending order/,
    ],
    [
      'segmenter',
      'SEGMENTER_TRAITS_CONFIG',
      '{"lifecycle":{"churnDays":60}}',
      /SEGMENTER_TRAITS_CONFIG was renamed to TRAITS_CONFIG, which the api reads too/,
    ],
  ])(
    '%s with a bad %s prints one line naming it and exits non-zero',
    async (name, variable, value, reason) => {
      const { code, stdout, stderr } = await runToExit(name, {
        ...isolatedEnv(uniqueSuffix()),
        [variable]: value,
      });
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(stdout).toBe('');
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]) as { level: string; msg: string };
      expect(line.level).toBe('fatal');
      expect(line.msg).toMatch(reason);
    },
  );
});
