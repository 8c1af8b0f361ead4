import { ServiceProcess } from '../support/service-process';
import { PrivateStack } from '../support/private-stack';
import { freePort, isolatedEnv, uniqueSuffix } from '../support/test-env';

interface Ready {
  status: string;
  checks: Record<string, { status: string; error?: string }>;
}

/** Readiness follows the servers: 503 (not a crash) while one is stopped, 200 again after, by itself. */
describe('readiness while Kafka or ClickHouse is down', () => {
  const stack = new PrivateStack();
  let svc: ServiceProcess | undefined;

  async function ready(): Promise<{ status: number; body: Ready }> {
    const res = await svc!.get('/health/ready');
    return { status: res.status, body: JSON.parse(res.body) as Ready };
  }

  beforeAll(async () => {
    await stack.allocatePorts();
  });

  afterAll(async () => {
    await svc?.stop('SIGKILL');
    await stack.destroy();
  });

  it('starts with ClickHouse still down: live, not ready, then ready once ClickHouse comes up', async () => {
    const kafka = await stack.run(['up', 'kafka']);
    expect(kafka).toMatchObject({ code: 0 });
    svc = new ServiceProcess('api', await freePort(), {
      ...isolatedEnv(uniqueSuffix()),
      KAFKA_BROKERS: stack.kafkaBrokers,
      CLICKHOUSE_URL: stack.clickhouseUrl,
    });
    await svc.waitForStatus('/health/live', 200);
    const before = await ready();
    expect(before.status).toBe(503);
    expect(before.body.checks.clickhouse.status).toBe('down');
    expect(before.body.checks.startup.error).toMatch(/clickhouse-migrations/);

    expect(await stack.run(['up', 'clickhouse'])).toMatchObject({ code: 0 });
    await svc.waitForStatus('/health/ready', 200, 60000);
  });

  it('`up` a second time is harmless: same processes, still ready', async () => {
    const again = await stack.run(['up']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/clickhouse already running/);
    expect(again.stderr).toMatch(/kafka already running/);
    expect((await ready()).status).toBe(200);
  });

  it('answers 503 naming ClickHouse while it is stopped, and recovers when it is back', async () => {
    expect(await stack.run(['down', 'clickhouse'])).toMatchObject({ code: 0 });
    await svc!.waitForStatus('/health/ready', 503, 20000);
    const down = await ready();
    expect(down.body.checks.clickhouse.status).toBe('down');
    expect(down.body.checks.kafka.status).toBe('ok');
    expect((await svc!.get('/health/live')).status).toBe(200);

    expect(await stack.run(['up', 'clickhouse'])).toMatchObject({ code: 0 });
    await svc!.waitForStatus('/health/ready', 200, 30000);
  });

  it('answers 503 naming Kafka while it is stopped, and recovers when it is back', async () => {
    expect(await stack.run(['down', 'kafka'])).toMatchObject({ code: 0 });
    await svc!.waitForStatus('/health/ready', 503, 20000);
    const down = await ready();
    expect(down.body.checks.kafka.status).toBe('down');
    expect(down.body.checks.clickhouse.status).toBe('ok');
    expect((await svc!.get('/health/live')).status).toBe(200);

    expect(await stack.run(['up', 'kafka'])).toMatchObject({ code: 0 });
    await svc!.waitForStatus('/health/ready', 200, 60000);
    expect(await svc!.stop('SIGTERM')).toBe(0);
  });
});
