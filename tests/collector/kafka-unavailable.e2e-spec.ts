import { ServiceProcess } from '../support/service-process';
import { freePort, isolatedEnv, uniqueSuffix } from '../support/test-env';
import { basicAuth, WEB_KEY } from './collector-fixture';

/** Kafka unreachable: the collector still starts, and refuses calls with 503 (never 200) so that SDKs retry. */
describe('collector while Kafka is unreachable', () => {
  let svc: ServiceProcess;

  beforeAll(async () => {
    svc = new ServiceProcess('collector', await freePort(), {
      ...isolatedEnv(uniqueSuffix()),
      KAFKA_BROKERS: `127.0.0.1:${await freePort()}`, // nobody listens there
      KAFKA_CONNECTION_TIMEOUT_MS: '300',
      CLICKHOUSE_MIGRATE: 'false',
      COLLECTOR_WRITE_KEYS: `${WEB_KEY}:web`,
      COLLECTOR_KAFKA_SEND_TIMEOUT_MS: '1500',
    });
    await svc.waitForStatus('/health/live', 200);
  });

  afterAll(async () => {
    await svc.stop('SIGKILL');
  });

  it('is live but not ready', async () => {
    const ready = await svc.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ checks: { kafka: { status: 'down' } } });
  });

  it.each([
    ['/v1/track', { anonymousId: 'a-1', event: 'Lost?' }],
    [
      '/v1/batch',
      {
        batch: [
          { type: 'identify', userId: 'u-1' },
          { type: 'page', anonymousId: 'a-1' },
        ],
      },
    ],
  ])('answers %s with 503 and a JSON error within the send timeout', async (path, body) => {
    const started = Date.now();
    const res = await fetch(svc.url(path), {
      method: 'POST',
      headers: { authorization: basicAuth(WEB_KEY), 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15000),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      success: false,
      error: 'kafka_unavailable',
      message: 'Kafka unavailable',
      errors: [],
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('still checks auth and validation first', async () => {
    const res = await fetch(svc.url('/v1/track'), {
      method: 'POST',
      headers: { authorization: basicAuth('unknown'), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });

  it('counts the rejections and logs a warning per failed write', async () => {
    const metrics = (await svc.get('/metrics')).body;
    expect(metrics).toMatch(
      /cdp_collector_rejected_requests_total\{reason="kafka_unavailable",service="collector"\} 2/,
    );
    expect(metrics).toMatch(
      /cdp_collector_calls_total\{type="identify",outcome="kafka_unavailable",service="collector"\} 1/,
    );
    expect(metrics).toMatch(
      /cdp_collector_kafka_send_seconds_count\{service="collector",outcome="error"\} 2/,
    );
    const warnings = svc.jsonLines().filter((l) => l.msg === 'could not write to Kafka, answering 503');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ level: 'warn', context: 'TrackingIngest' });
  });
});
