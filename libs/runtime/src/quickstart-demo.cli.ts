import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import {
  BaseEnv,
  ConfigError,
  DEFAULT_API_PORT,
  DEFAULT_COLLECTOR_PORT,
  DEV_ADMIN_TOKEN,
  DEV_WRITE_KEYS,
  IsIntInRange,
  IsPort,
  loadConfig,
} from '@cdp/config';
import { parseSegmentEvent, type SegmentEvent } from '@cdp/domain/segments';
import { KafkaClient, kafkaSettingsFromEnv } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { IsString, MinLength } from 'class-validator';
import { sleep } from './retry';

/** What the demo needs to reach the running platform (the services' own variables, with their defaults). */
class QuickstartEnv extends BaseEnv {
  @IsPort()
  COLLECTOR_PORT = DEFAULT_COLLECTOR_PORT;

  @IsPort()
  API_PORT = DEFAULT_API_PORT;

  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  CDP_ADMIN_TOKEN = DEV_ADMIN_TOKEN;

  /** The collector's `key:source` list; the demo sends with the first key. */
  @IsString()
  @MinLength(1)
  COLLECTOR_WRITE_KEYS = DEV_WRITE_KEYS;

  /** How long to wait for the segment events. */
  @IsIntInRange(1000, 600000)
  QUICKSTART_TIMEOUT_MS = 60000;
}

/** The demo's segments (created once; a second run reuses them). */
const SEGMENTS = [
  {
    id: 'quickstart-cart-today',
    name: 'Quick start: added to cart in the last day',
    rule: { event: 'Product Added', within: { days: 1 } },
  },
  {
    id: 'quickstart-first-buyers',
    name: 'Quick start: first purchase (lifecycle stage new)',
    rule: { trait: 'lifecycleStage', op: 'eq', value: 'new' },
  },
];

interface ProfileAnswer {
  profileId?: string;
  computedTraits?: Record<string, unknown>;
  segments?: { segmentId: string }[];
}

/** One visitor's tracking calls: a landing page view from a newsletter, identify, a cart add, an order. */
function journeyOf(anonymousId: string, userId: string, now: number): Record<string, unknown>[] {
  const at = (ms: number): string => new Date(now + ms).toISOString();
  return [
    {
      type: 'page',
      name: 'Home',
      anonymousId,
      timestamp: at(-3000),
      properties: { url: 'https://shop.example/?utm_source=newsletter&utm_medium=email' },
    },
    {
      type: 'identify',
      anonymousId,
      userId,
      timestamp: at(-2000),
      traits: { email: `${userId}@example.org`, country: 'SG' },
    },
    {
      type: 'track',
      event: 'Product Added',
      anonymousId,
      userId,
      timestamp: at(-1000),
      properties: { sku: 'sk-1', category: 'skincare', price: 39 },
    },
    {
      type: 'track',
      event: 'Order Completed',
      anonymousId,
      userId,
      timestamp: at(0),
      properties: { orderId: `o-${anonymousId}`, revenue: 39, currency: 'USD' },
    },
  ];
}

/** `segment.entered <id> v<n>  profile <id>  cause <kind> <event id>  reason <condition>: <actual>; ...` */
function lineOf(event: SegmentEvent): string {
  const reason = event.reason.map((r) => `${r.condition}: ${JSON.stringify(r.actual)}`).join('; ');
  return (
    `${event.type} ${event.segment.id} v${event.segment.version}  profile ${event.profileId}  ` +
    `cause ${event.cause.kind}${event.cause.eventId ? ` ${event.cause.eventId}` : ''}  reason ${reason}`
  );
}

const out = (line = ''): void => void process.stdout.write(`${line}\n`);

/**
 * `npm run up`'s proof that the platform works end to end: it creates two segments through the
 * api, sends one visitor's journey (page view, identify, cart add, order) to the collector, and
 * prints the segment events the segmenter emits for that visitor (read committed from
 * cdp.segment-events, with cause and reason) and the api's profile of the person.
 *   node dist/libs/runtime/src/quickstart-demo.cli.js
 * Exit 0 when both entries arrived within QUICKSTART_TIMEOUT_MS, 1 otherwise.
 */
async function main(): Promise<number> {
  let env: QuickstartEnv;
  try {
    env = loadConfig(QuickstartEnv);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`quickstart demo: ${e.message}\n`);
    return 1;
  }
  const api = `http://127.0.0.1:${env.API_PORT}`;
  const collector = `http://127.0.0.1:${env.COLLECTOR_PORT}`;
  const adminHeaders = { Authorization: `Bearer ${env.CDP_ADMIN_TOKEN}`, 'Content-Type': 'application/json' };

  for (const segment of SEGMENTS) {
    const res = await fetch(`${api}/v1/segments`, {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify(segment),
    });
    if (res.status !== 201 && res.status !== 409) {
      process.stderr.write(
        `quickstart demo: creating ${segment.id} answered ${res.status}: ${await res.text()}\n`,
      );
      return 1;
    }
    out(
      `segment ${segment.id} ${res.status === 201 ? 'created' : 'already there'}: ${JSON.stringify(segment.rule)}`,
    );
  }

  // read the segment events from now on (read committed: only what the segmenter committed)
  const logger = new JsonLogger('quickstart', 'error');
  const kafka = new KafkaClient(kafkaSettingsFromEnv(env, `${env.KAFKA_CLIENT_ID}-quickstart`), logger);
  const anonymousId = `qs-${randomBytes(4).toString('hex')}`;
  const userId = `quickstart-${anonymousId.slice(3)}`;
  const seen: { event: SegmentEvent; at: number }[] = [];
  const consumer = kafka.consumer({ groupId: `quickstart-${anonymousId}`, maxWaitTimeInMs: 100 });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  try {
    // where the topic ends before anything is sent: the reader starts there (a new group's
    // default position is taken at its first fetch, which could come after the first entries)
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(env.TOPIC_SEGMENT_EVENTS);
    await admin.disconnect();
    await consumer.connect();
    await consumer.subscribe({ topic: env.TOPIC_SEGMENT_EVENTS, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = parseSegmentEvent(message.value?.toString('utf8') ?? '');
        if (event?.identities.anonymousIds.includes(anonymousId)) seen.push({ event, at: Date.now() });
      },
    });
    const joinBy = Date.now() + 30000;
    while (!joined && Date.now() < joinBy) await sleep(100);
    for (const { partition, high } of ends)
      consumer.seek({ topic: env.TOPIC_SEGMENT_EVENTS, partition, offset: high });

    const batch = journeyOf(anonymousId, userId, Date.now());
    const writeKey = env.COLLECTOR_WRITE_KEYS.split(',')[0].split(':')[0];
    const sentAt = Date.now();
    const sent = await fetch(`${collector}/v1/batch`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ batch }),
    });
    if (sent.status !== 200) {
      process.stderr.write(`quickstart demo: the collector answered ${sent.status}: ${await sent.text()}\n`);
      return 1;
    }
    out(
      `sent visitor ${anonymousId} (userId ${userId}) to the collector: page view, identify, Product Added, Order Completed`,
    );

    const wanted = new Set(SEGMENTS.map((s) => s.id));
    const deadline = Date.now() + env.QUICKSTART_TIMEOUT_MS;
    const entered = (): Set<string> =>
      new Set(seen.filter((s) => s.event.type === 'segment.entered').map((s) => s.event.segment.id));
    while (Date.now() < deadline && ![...wanted].every((id) => entered().has(id))) await sleep(100);
    for (const { event, at: receivedAt } of seen)
      out(`  ${lineOf(event)}  (${receivedAt - sentAt} ms after the send)`);
    const missing = [...wanted].filter((id) => !entered().has(id));
    if (missing.length > 0) {
      process.stderr.write(
        `quickstart demo: no segment.entered for ${missing.join(', ')} within ${env.QUICKSTART_TIMEOUT_MS} ms ` +
          `(see scripts/platform.sh logs segmenter)\n`,
      );
      return 1;
    }
    // the api reads memberships from segment_transitions, which the history writer fills within ~1 s
    let body: ProfileAnswer = {};
    const historyBy = Date.now() + 10000;
    do {
      const res = await fetch(`${api}/v1/profiles?userId=${encodeURIComponent(userId)}`, {
        headers: adminHeaders,
      });
      body = res.status === 200 ? ((await res.json()) as ProfileAnswer) : {};
      const listed = new Set((body.segments ?? []).map((s) => s.segmentId));
      if ([...wanted].every((id) => listed.has(id))) break;
      await sleep(200);
    } while (Date.now() < historyBy);
    out(
      `profile ${body.profileId ?? '?'} (GET /v1/profiles?userId=${userId}): lifecycle stage ` +
        `${String(body.computedTraits?.lifecycleStage)}, acquisition channel ` +
        `${String(body.computedTraits?.acquisitionChannel)}, segments ${(body.segments ?? []).map((s) => s.segmentId).join(', ')}`,
    );
    return 0;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await kafka.onApplicationShutdown();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`quickstart demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
