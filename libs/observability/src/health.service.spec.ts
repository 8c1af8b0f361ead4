import { HealthService } from './health.service';

describe('HealthService', () => {
  it('is ok when every indicator passes', async () => {
    const health = new HealthService(200);
    health.register({ name: 'kafka', check: async () => undefined });
    health.register({ name: 'clickhouse', check: async () => undefined });
    const report = await health.readiness();
    expect(report.status).toBe('ok');
    expect(Object.keys(report.checks).sort()).toEqual(['clickhouse', 'kafka']);
  });

  it('is unavailable and names the failing dependency with its error', async () => {
    const health = new HealthService(200);
    health.register({ name: 'kafka', check: async () => undefined });
    health.register({ name: 'clickhouse', check: () => Promise.reject(new Error('connect ECONNREFUSED')) });
    const report = await health.readiness();
    expect(report.status).toBe('unavailable');
    expect(report.checks.clickhouse).toMatchObject({ status: 'down', error: 'connect ECONNREFUSED' });
    expect(report.checks.kafka.status).toBe('ok');
  });

  it('treats a hanging check as down after the timeout', async () => {
    const health = new HealthService(50);
    health.register({ name: 'kafka', check: () => new Promise(() => undefined) });
    const started = Date.now();
    const report = await health.readiness();
    expect(report.checks.kafka).toMatchObject({ status: 'down', error: 'kafka check timed out after 50 ms' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
