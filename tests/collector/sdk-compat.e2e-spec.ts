import Rudder from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { ProxyAction, RecordingProxy } from '../support/recording-proxy';
import type { TopicMessage } from '../support/topic-reader';
import { CollectorFixture, marker, startCollector, WEB_KEY } from './collector-fixture';

type Call = Record<string, unknown>;

/** Every call the SDK got a 2xx for, with the batch-level `sentAt` applied as the collector does. */
function acceptedCalls(proxy: RecordingProxy): Call[] {
  return proxy
    .acceptedBodies()
    .flatMap((body) =>
      (body.batch as Call[]).map((call) => ({ ...call, sentAt: call.sentAt ?? body.sentAt })),
    );
}

/**
 * What landed for a run, one message per messageId (the last copy: a retried request was
 * sent again with a new `sentAt`), and how many more copies there were.
 */
async function landedFor(c: CollectorFixture, run: string, expected: number) {
  const mine = (m: TopicMessage) => JSON.stringify(m.value).includes(run);
  const all = await c.reader.waitFor(mine, expected);
  // A little grace for late duplicates of retried requests.
  await new Promise((r) => setTimeout(r, 500));
  const messages = c.reader.matching(mine);
  const byMessageId = new Map<string, TopicMessage>();
  // Copies of one call share its key, so they are in one partition, in order.
  for (const m of messages) byMessageId.set(String(m.value.messageId), m);
  expect(all.length).toBeGreaterThanOrEqual(expected);
  return { byMessageId, duplicates: messages.length - byMessageId.size };
}

/** Checks that every call the SDK sent landed exactly as sent, plus what the collector stamps. */
function expectDeliveredAsSent(sent: Call[], byMessageId: Map<string, TopicMessage>): void {
  const sentIds = new Set(sent.map((call) => String(call.messageId)));
  expect(sentIds.size).toBe(sent.length);
  expect(new Set(byMessageId.keys())).toEqual(sentIds);
  for (const call of sent) {
    const landed = byMessageId.get(String(call.messageId));
    expect(landed?.value).toEqual({ ...call, receivedAt: expect.any(String), writeKeySource: 'web' });
    expect(landed?.key).toBe(String(call.anonymousId ?? call.userId));
  }
}

describe('official SDKs pointed at the collector (built service, real Kafka)', () => {
  let c: CollectorFixture;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    c = await startCollector();
  });

  afterEach(async () => {
    await proxy?.close();
  });

  afterAll(async () => {
    await c.close();
  });

  async function proxied(plan?: (n: number) => ProxyAction): Promise<string> {
    proxy = new RecordingProxy(c.svc.url(''), plan);
    return proxy.start();
  }

  /** Twelve calls of every type through the Segment client; some with a messageId of their own. */
  function sendWithSegment(analytics: Analytics, run: string): void {
    for (let i = 0; i < 6; i++) {
      analytics.track({
        anonymousId: `${run}-anon-${i % 3}`,
        event: `Product Viewed ${i}`,
        properties: { run, sku: `sk-${i}`, price: 10.5 * i, tags: ['a', 'b'], nested: { ok: true } },
        ...(i % 2 === 0 ? { messageId: `${run}-m-${i}` } : {}),
      });
    }
    analytics.identify({
      userId: `${run}-user`,
      anonymousId: `${run}-anon-0`,
      traits: { run, email: 'lin@example.com' },
    });
    analytics.page({
      anonymousId: `${run}-anon-1`,
      name: 'Pricing',
      category: 'Docs',
      properties: { run, url: 'https://example.com/pricing' },
    });
    analytics.screen({ userId: `${run}-user`, name: 'Home', properties: { run } });
    analytics.group({ userId: `${run}-user`, groupId: `${run}-group`, traits: { run, plan: 'pro' } });
    analytics.alias({ userId: `${run}-user`, previousId: `${run}-anon-0`, context: { traits: { run } } });
    analytics.track({
      userId: `${run}-user`,
      event: 'Order Completed',
      properties: { run, revenue: 259, currency: 'CNY' },
    });
  }

  it('@segment/analytics-node: batches of flushAt calls, every call lands exactly as sent', async () => {
    const host = await proxied();
    const run = marker('segment');
    const errors: unknown[] = [];
    const analytics = new Analytics({
      writeKey: WEB_KEY,
      host,
      flushAt: 5,
      flushInterval: 60000,
      maxRetries: 3,
    });
    analytics.on('error', (e) => errors.push(e));
    sendWithSegment(analytics, run);
    await analytics.closeAndFlush({ timeout: 30000 });

    expect(errors).toEqual([]);
    expect(proxy.requests.map((r) => [r.path, r.status])).toEqual([
      ['/v1/batch', 200],
      ['/v1/batch', 200],
      ['/v1/batch', 200],
    ]);
    expect(proxy.requests[0].headers.authorization).toBe(
      `Basic ${Buffer.from(`${WEB_KEY}:`).toString('base64')}`,
    );
    const sent = acceptedCalls(proxy);
    expect(sent).toHaveLength(12);

    const { byMessageId, duplicates } = await landedFor(c, run, 12);
    expect(duplicates).toBe(0);
    expectDeliveredAsSent(sent, byMessageId);

    // ... and what was sent is what the test asked for
    const values = [...byMessageId.values()].map((m) => m.value);
    const events = values.filter((v) => v.type === 'track').map((v) => v.event);
    expect(events.sort()).toEqual(
      [...Array.from({ length: 6 }, (_, i) => `Product Viewed ${i}`), 'Order Completed'].sort(),
    );
    expect(values.find((v) => v.event === 'Product Viewed 4')).toMatchObject({
      messageId: `${run}-m-4`,
      anonymousId: `${run}-anon-1`,
      properties: { run, sku: 'sk-4', price: 42, tags: ['a', 'b'], nested: { ok: true } },
    });
    expect(values.find((v) => v.type === 'identify')).toMatchObject({
      userId: `${run}-user`,
      traits: { email: 'lin@example.com' },
    });
    expect(values.find((v) => v.type === 'alias')).toMatchObject({
      userId: `${run}-user`,
      previousId: `${run}-anon-0`,
    });
    expect(values.find((v) => v.type === 'group')).toMatchObject({ groupId: `${run}-group` });
    expect(values.map((v) => v.type).sort()).toEqual(
      ['alias', 'group', 'identify', 'page', 'screen', ...Array.from({ length: 7 }, () => 'track')].sort(),
    );
  });

  it('@rudderstack/rudder-sdk-node: gzip batches, every call lands exactly as sent', async () => {
    const host = await proxied();
    const run = marker('rudder');
    const errors: unknown[] = [];
    const client = new Rudder(WEB_KEY, {
      dataPlaneUrl: host,
      flushAt: 4,
      flushInterval: 60000,
      logLevel: 'none',
      errorHandler: (e?: unknown) => errors.push(e),
    });
    for (let i = 0; i < 5; i++) {
      client.track({ anonymousId: `${run}-anon-${i % 2}`, event: `Clicked ${i}`, properties: { run, i } });
    }
    client.identify({ userId: `${run}-user`, traits: { run, email: 'lin@example.com' } });
    client.page({
      anonymousId: `${run}-anon-0`,
      name: 'Home',
      properties: { run, url: 'https://example.com/' },
    });
    client.screen({ userId: `${run}-user`, name: 'Checkout', properties: { run } });
    client.group({ userId: `${run}-user`, groupId: `${run}-g`, traits: { run } });
    client.alias({ userId: `${run}-user`, previousId: `${run}-anon-0`, properties: { run } });
    await client.flush();

    const { byMessageId } = await landedFor(c, run, 10);
    await new Promise((r) => setTimeout(r, 200));
    expect(errors).toEqual([]);
    expect(proxy.requests.length).toBeGreaterThanOrEqual(2);
    for (const r of proxy.requests) {
      expect(r).toMatchObject({ path: '/v1/batch', status: 200 });
      expect(r.headers['content-encoding']).toBe('gzip');
    }
    const sent = acceptedCalls(proxy);
    expect(sent).toHaveLength(10);
    expectDeliveredAsSent(sent, byMessageId);
    const values = [...byMessageId.values()].map((m) => m.value);
    expect(
      values
        .filter((v) => v.type === 'track')
        .map((v) => v.event)
        .sort(),
    ).toEqual(Array.from({ length: 5 }, (_, i) => `Clicked ${i}`));
    expect(values.find((v) => v.type === 'identify')).toMatchObject({
      userId: `${run}-user`,
      traits: { email: 'lin@example.com' },
    });
  });

  it.each<[string, ProxyAction, number]>([
    ['503 before the collector saw it', 'fail', 0],
    ['503 after the collector wrote it (a lost answer)', 'forward-then-fail', 5],
  ])(
    '@segment/analytics-node retries a %s: no call missing',
    async (_what, firstAction, expectedDuplicates) => {
      const host = await proxied((n) => (n === 0 ? firstAction : 'forward'));
      const run = marker('retry');
      const errors: unknown[] = [];
      const analytics = new Analytics({
        writeKey: WEB_KEY,
        host,
        flushAt: 5,
        flushInterval: 60000,
        maxRetries: 5,
      });
      analytics.on('error', (e) => errors.push(e));
      for (let i = 0; i < 10; i++) {
        analytics.track({ anonymousId: `${run}-anon`, event: `Step ${i}`, properties: { run, i } });
      }
      await analytics.closeAndFlush({ timeout: 60000 });
      expect(errors).toEqual([]);
      expect(proxy.requests[0].status).toBe(503);
      expect(proxy.requests.slice(1).every((r) => r.status === 200)).toBe(true);
      expect(proxy.requests.length).toBe(3); // two batches of five, the failed one twice
      const idsOf = (r: { body: Buffer }) =>
        (JSON.parse(r.body.toString('utf8')) as { batch: Call[] }).batch.map((call) => call.messageId);
      const retry = proxy.requests.find((r) => r.headers['x-retry-count'] === '1');
      expect(retry && idsOf(retry)).toEqual(idsOf(proxy.requests[0])); // the retry carries the same messageIds

      const sent = acceptedCalls(proxy);
      expect(sent).toHaveLength(10);
      const { byMessageId, duplicates } = await landedFor(c, run, 10 + expectedDuplicates);
      expect(duplicates).toBe(expectedDuplicates);
      expectDeliveredAsSent(sent, byMessageId);
    },
  );

  it('@rudderstack/rudder-sdk-node retries a 503: no call missing', async () => {
    const host = await proxied((n) => (n === 0 ? 'fail' : 'forward'));
    const run = marker('rudder-retry');
    const client = new Rudder(WEB_KEY, {
      dataPlaneUrl: host,
      flushAt: 3,
      flushInterval: 60000,
      logLevel: 'none',
    });
    for (let i = 0; i < 3; i++)
      client.track({ anonymousId: `${run}-anon`, event: `Tap ${i}`, properties: { run } });
    await client.flush();
    const { byMessageId, duplicates } = await landedFor(c, run, 3);
    expect(duplicates).toBe(0);
    expect(proxy.requests[0].status).toBe(503);
    expectDeliveredAsSent(acceptedCalls(proxy), byMessageId);
  });
});
