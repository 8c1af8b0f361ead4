import { gzipSync } from 'node:zlib';
import { runToExit } from '../support/service-process';
import { isolatedEnv, uniqueSuffix } from '../support/test-env';
import type { TopicMessage } from '../support/topic-reader';
import { APP_KEY, basicAuth, CollectorFixture, marker, startCollector } from './collector-fixture';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The built collector against the real Kafka: what each request answers and what lands on the raw web topic. */
describe('collector tracking API (built service, real Kafka)', () => {
  let c: CollectorFixture;

  beforeAll(async () => {
    c = await startCollector();
  });

  afterAll(async () => {
    await c.close();
  });

  const byAnon = (id: string) => (m: TopicMessage) => m.value.anonymousId === id;
  const byUser = (id: string) => (m: TopicMessage) => m.value.userId === id;

  /**
   * Sends a good call with the same key after the rejected request(s) and waits for it: a
   * rejected call written to Kafka would be before it in the same partition.
   */
  async function assertNothingLandedFor(anonymousId: string): Promise<void> {
    const res = await c.post('/v1/track', { anonymousId, event: 'Sentinel' });
    expect(res.status).toBe(200);
    const landed = await c.reader.waitFor(byAnon(anonymousId));
    expect(landed.map((m) => m.value.event)).toEqual(['Sentinel']);
  }

  describe('each endpoint writes its call to the raw web topic', () => {
    const calls: [string, Record<string, unknown>][] = [
      [
        'track',
        { event: 'Order Completed', properties: { revenue: 259, currency: 'CNY', items: [{ sku: 'sk-1' }] } },
      ],
      ['identify', { userId: 'u-1001', traits: { email: 'lin@example.com', country: 'CN' } }],
      ['page', { name: 'Pricing', category: 'Docs', properties: { url: 'https://example.com/pricing' } }],
      ['screen', { name: 'Home', properties: { variant: 'b' } }],
      ['group', { userId: 'u-1001', groupId: 'acme', traits: { plan: 'pro' } }],
      ['alias', { userId: 'u-1001', previousId: 'a-77' }],
    ];

    it.each(calls)('POST /v1/%s', async (type, fields) => {
      const anonymousId = marker(`anon-${type}`);
      const call = {
        anonymousId,
        ...fields,
        context: {
          campaign: { source: 'newsletter', medium: 'email', name: 'double11' },
          ip: '203.0.113.9',
          userAgent: 'Mozilla/5.0',
          locale: 'zh-CN',
          page: { url: 'https://example.com/' },
        },
        timestamp: '2026-11-01T08:00:00.000Z',
        sentAt: '2026-11-01T08:00:02.000Z',
        messageId: `m-${anonymousId}`,
        extra: { kept: true },
      };
      const before = Date.now();
      const res = await c.post(`/v1/${type}`, call);
      const after = Date.now();
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true });
      expect(res.headers.get('access-control-allow-origin')).toBe('*');

      const [msg] = await c.reader.waitFor(byAnon(anonymousId));
      expect(msg.key).toBe(anonymousId);
      expect(msg.value).toEqual({ ...call, type, receivedAt: expect.any(String), writeKeySource: 'web' });
      const receivedAt = Date.parse(String(msg.value.receivedAt));
      expect(receivedAt).toBeGreaterThanOrEqual(before - 5);
      expect(receivedAt).toBeLessThanOrEqual(after + 5);
    });
  });

  it('sets type from the endpoint, keys by userId when there is no anonymousId', async () => {
    const userId = marker('user');
    const res = await c.post('/v1/identify', { type: 'track', userId, traits: { plan: 'free' } });
    expect(res.status).toBe(200);
    const [msg] = await c.reader.waitFor(byUser(userId));
    expect(msg.key).toBe(userId);
    expect(msg.value.type).toBe('identify');
  });

  it('generates a uuid v4 messageId when absent and keeps a given one', async () => {
    const anonymousId = marker('mid');
    expect((await c.post('/v1/track', { anonymousId, event: 'No Id' })).status).toBe(200);
    expect(
      (await c.post('/v1/track', { anonymousId, event: 'With Id', messageId: 'client-id-1' })).status,
    ).toBe(200);
    const msgs = await c.reader.waitFor(byAnon(anonymousId), 2);
    const byEvent = Object.fromEntries(msgs.map((m) => [m.value.event, m.value.messageId]));
    expect(byEvent['No Id']).toMatch(UUID_V4);
    expect(byEvent['With Id']).toBe('client-id-1');
  });

  it('writes a batch of mixed calls, applying the batch sentAt and context, one message per call', async () => {
    const id = marker('batch');
    const batch = [
      { type: 'identify', anonymousId: `${id}-a`, userId: `${id}-u`, traits: { email: 'x@example.com' } },
      {
        type: 'track',
        anonymousId: `${id}-a`,
        event: 'Product Viewed',
        properties: { sku: 'sk-1' },
        messageId: `${id}-m1`,
      },
      { type: 'page', anonymousId: `${id}-a`, name: 'Cart', sentAt: '2026-11-01T08:00:09.000Z' },
      { type: 'screen', userId: `${id}-u`, name: 'Checkout' },
      { type: 'group', userId: `${id}-u`, groupId: 'g-1' },
      { type: 'alias', userId: `${id}-u`, previousId: `${id}-a` },
    ];
    const res = await c.post('/v1/batch', {
      batch,
      sentAt: '2026-11-01T08:00:05.000Z',
      context: { library: { name: 'e2e', version: '1' } },
    });
    expect(res).toMatchObject({ status: 200, body: { success: true } });

    const msgs = await c.reader.waitFor(
      (m) => m.value.userId === `${id}-u` || m.value.anonymousId === `${id}-a`,
      6,
    );
    expect(msgs).toHaveLength(6);
    const types = msgs.map((m) => m.value.type).sort();
    expect(types).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    for (const m of msgs) {
      expect(m.value.writeKeySource).toBe('web');
      expect(m.value.context).toEqual({ library: { name: 'e2e', version: '1' } });
      expect(m.value.messageId).toEqual(expect.any(String));
      expect(m.key).toBe(m.value.anonymousId ?? m.value.userId);
    }
    const track = msgs.find((m) => m.value.type === 'track');
    expect(track?.value).toMatchObject({
      messageId: `${id}-m1`,
      properties: { sku: 'sk-1' },
      sentAt: '2026-11-01T08:00:05.000Z',
    });
    expect(msgs.find((m) => m.value.type === 'page')?.value.sentAt).toBe('2026-11-01T08:00:09.000Z');
    expect(new Set(msgs.map((m) => m.value.messageId)).size).toBe(6);
    expect(new Set(msgs.map((m) => m.value.receivedAt)).size).toBe(1);
  });

  it('accepts writeKey in the body (text/plain, no Authorization header) and never writes the key', async () => {
    const anonymousId = marker('bodykey');
    const res = await c.post(
      '/v1/track',
      { writeKey: APP_KEY, anonymousId, event: 'Beacon' },
      { auth: null, headers: { 'content-type': 'text/plain' } },
    );
    expect(res.status).toBe(200);
    const [msg] = await c.reader.waitFor(byAnon(anonymousId));
    expect(msg.value.writeKeySource).toBe('ios-app');
    expect(msg.value).not.toHaveProperty('writeKey');

    const batchAnon = marker('bodykey-batch');
    const batchRes = await c.post(
      '/v1/batch',
      { writeKey: APP_KEY, batch: [{ type: 'track', anonymousId: batchAnon, event: 'Beacon' }] },
      { auth: null },
    );
    expect(batchRes.status).toBe(200);
    await c.reader.waitFor(byAnon(batchAnon));
  });

  it('reads gzip-compressed bodies', async () => {
    const anonymousId = marker('gzip');
    const res = await fetch(c.svc.url('/v1/batch'), {
      method: 'POST',
      headers: {
        authorization: basicAuth('e2e-web-key'),
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify({ batch: [{ type: 'track', anonymousId, event: 'Zipped' }] })),
    });
    expect(res.status).toBe(200);
    await c.reader.waitFor(byAnon(anonymousId));
  });

  it('answers 401 in JSON for an unknown or missing write key, and writes nothing', async () => {
    const anonymousId = marker('auth');
    const unknown = await c.post(
      '/v1/track',
      { anonymousId, event: 'Nope' },
      { auth: basicAuth('not-a-key') },
    );
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ success: false, error: 'auth', message: 'unknown write key' });

    const missing = await c.post('/v1/track', { anonymousId, event: 'Nope' }, { auth: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({
      success: false,
      error: 'auth',
      message: expect.stringMatching(/^missing write key/),
    });

    const unknownInBody = await c.post(
      '/v1/batch',
      { writeKey: 'nope', batch: [{ type: 'track', anonymousId, event: 'Nope' }] },
      { auth: null },
    );
    expect(unknownInBody.status).toBe(401);

    await assertNothingLandedFor(anonymousId);
  });

  it('answers 400 naming every bad field of every call at once, and writes none of the batch', async () => {
    const anonymousId = marker('invalid');
    const res = await c.post('/v1/batch', {
      batch: [
        { type: 'track', anonymousId, event: 'Fine' },
        { type: 'track', anonymousId, properties: [] },
        { type: 'teleport', anonymousId },
        { type: 'identify', traits: 'vip', timestamp: 'last tuesday' },
        { type: 'alias', userId: 'u-1' },
        'not a call',
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: 'validation' });
    expect(res.body.errors).toEqual([
      { path: 'batch[1].event', message: 'is required' },
      { path: 'batch[1].properties', message: 'must be an object' },
      { path: 'batch[2].type', message: 'must be one of: track, identify, page, screen, group, alias' },
      { path: 'batch[3].userId', message: 'userId or anonymousId is required' },
      { path: 'batch[3].traits', message: 'must be an object' },
      { path: 'batch[3].timestamp', message: expect.stringMatching(/ISO 8601/) },
      { path: 'batch[4].previousId', message: 'is required' },
      { path: 'batch[5]', message: 'must be a JSON object' },
    ]);

    const single = await c.post('/v1/track', { anonymousId, event: '', messageId: 7 });
    expect(single.status).toBe(400);
    expect((single.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['event', 'messageId']);

    const notBatch = await c.post('/v1/batch', { batch: {} });
    expect(notBatch.body.errors).toEqual([{ path: 'batch', message: 'must be an array' }]);

    await assertNothingLandedFor(anonymousId);
  });

  it('answers 400 naming the body for invalid JSON', async () => {
    const res = await c.post('/v1/track', '{"userId": "u-1", "event": ');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      success: false,
      error: 'validation',
      errors: [{ path: 'body', message: expect.stringMatching(/^is not valid JSON/) }],
    });
  });

  it('answers 413 for a 33 KB call, naming it (batch[3] in a batch), and writes nothing', async () => {
    const anonymousId = marker('bigcall');
    const big = { type: 'track', anonymousId, event: 'Big', properties: { pad: 'x'.repeat(33 * 1024) } };
    const small = { type: 'track', anonymousId, event: 'Small' };

    const single = await c.post('/v1/track', big);
    expect(single.status).toBe(413);
    expect(single.body).toMatchObject({ success: false, error: 'too_large', errors: [{ path: 'body' }] });

    const batch = await c.post('/v1/batch', { batch: [small, small, small, big, small] });
    expect(batch.status).toBe(413);
    expect(batch.body).toMatchObject({
      success: false,
      error: 'too_large',
      errors: [{ path: 'batch[3]', message: expect.stringMatching(/larger than 32 KB, the limit per call/) }],
    });
    expect(batch.body.errors).toHaveLength(1);
    await assertNothingLandedFor(anonymousId);
  });

  it('answers 413 for a request over 500 KB, and accepts one just under it (beyond 100 kB)', async () => {
    const id = marker('bigreq');
    const call = (i: number) => ({
      type: 'track',
      anonymousId: `${id}-${i}`,
      event: 'Filler',
      properties: { pad: 'x'.repeat(31000) },
    });

    const over = { batch: Array.from({ length: 17 }, (_, i) => call(i)) };
    expect(JSON.stringify(over).length).toBeGreaterThan(500 * 1024);
    const res = await c.post('/v1/batch', over);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      success: false,
      error: 'too_large',
      errors: [{ path: 'body', message: 'the request is larger than 500 KB, the limit per request' }],
    });

    const under = { batch: Array.from({ length: 15 }, (_, i) => call(i)) };
    expect(JSON.stringify(under).length).toBeGreaterThan(450 * 1024);
    const ok = await c.post('/v1/batch', under);
    expect(ok.status).toBe(200);
    const landed = await c.reader.waitFor((m) => String(m.value.anonymousId).startsWith(`${id}-`), 15);
    expect(landed).toHaveLength(15);
  });

  it('answers CORS preflight requests for browser snippets', async () => {
    const res = await fetch(c.svc.url('/v1/batch'), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
  });

  it('answers 404 in JSON for an unknown endpoint', async () => {
    const res = await c.post('/v1/purchase', { userId: 'u' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, error: 'not_found' });
  });

  it('exports calls per type and outcome, rejections per reason and the Kafka send time', async () => {
    const metrics = (await c.svc.get('/metrics')).body;
    expect(metrics).toMatch(
      /cdp_collector_calls_total\{type="track",outcome="accepted",service="collector"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /cdp_collector_calls_total\{type="track",outcome="validation",service="collector"\} [1-9]/,
    );
    for (const reason of ['auth', 'validation', 'too_large']) {
      expect(metrics).toMatch(
        new RegExp(`cdp_collector_rejected_requests_total\\{reason="${reason}",service="collector"\\} [1-9]`),
      );
    }
    expect(metrics).toMatch(
      /cdp_collector_rejected_requests_total\{reason="kafka_unavailable",service="collector"\} 0/,
    );
    expect(metrics).toMatch(
      /cdp_collector_kafka_send_seconds_count\{service="collector",outcome="ok"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /cdp_http_request_duration_seconds_count\{[^}]*route="\/v1\/:endpoint"[^}]*status="200"[^}]*\} [1-9]/,
    );
  });

  it('logs JSON lines only', () => {
    expect(() => c.svc.jsonLines()).not.toThrow();
  });
});

describe('collector configuration', () => {
  it.each([
    ['no-colon-here', /entry 1 of 1 must have exactly one ":"/],
    ['k1:web,k1:app', /entry 2 of 2 repeats the key of entry 1/],
    ['k1:web site', /entry 1 of 1 has a source name/],
  ])('COLLECTOR_WRITE_KEYS=%j fails start-up with one line naming the variable', async (value, reason) => {
    const { code, stdout, stderr } = await runToExit('collector', {
      ...isolatedEnv(uniqueSuffix()),
      COLLECTOR_WRITE_KEYS: value,
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]) as { level: string; msg: string };
    expect(line.level).toBe('fatal');
    expect(line.msg).toMatch(
      /COLLECTOR_WRITE_KEYS must be a comma-separated list of writeKey:sourceName pairs/,
    );
    expect(line.msg).toMatch(reason);
  });
});
