import { loadConfig } from '@cdp/config';
import { IdentityGraph, suppressionHashOf, type Identifier, type LinkFact } from '@cdp/domain';
import type { KafkaClient, TopicNames } from '@cdp/kafka';
import { JsonLogger, MetricsService } from '@cdp/observability';
import type { CanonicalEventsPublisher, ProfiledEvent } from './canonical-events.publisher';
import type { DeadLetterPublisher } from './dead-letter.publisher';
import type { DeadLettersRepository } from './dead-letters.repository';
import type { EventsRepository } from './events.repository';
import type { IdentityLinksStore } from './identity-links.store';
import type { IdentityRepository } from './identity.repository';
import { IngestBatchUseCase, type BatchControl } from './ingest-batch.use-case';
import { IngestEnv } from './ingest.env';
import { IngestMetrics } from './ingest.metrics';
import { AbandonedError } from '@cdp/runtime';
import type { DeadLetter } from './pipeline/dead-letter';
import { IdentityLedger } from './pipeline/identity-ledger';
import type { MergeRecord } from './pipeline/identity-rows';
import { factIdOf } from './pipeline/link-fact.codec';
import type { RawMessage } from './pipeline/raw-message';
import type { SuppressionRepository } from './suppression.repository';

const topics: TopicNames = {
  rawWeb: 'raw.web',
  rawSocial: 'raw.social',
  rawAd: 'raw.ad',
  rawTransaction: 'raw.transaction',
  events: 'events',
  eventsDlq: 'dlq',
  segmentEvents: 'segment-events',
  identityLinks: 'links',
  segments: 'segments',
  segmentState: 'segment-state',
  campaigns: 'campaigns',
  campaignDlq: 'campaign.dlq',
};

let offset = 0;
const web = (body: Record<string, unknown> | string): RawMessage => ({
  topic: 'raw.web',
  partition: 0,
  offset: String(offset++),
  key: Buffer.from('k'),
  value: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  timestamp: String(Date.parse('2026-11-01T08:00:00Z')),
});
const identify = (messageId: string) =>
  web({
    type: 'identify',
    messageId,
    userId: 'u-1',
    anonymousId: 'a-1',
    traits: { plan: 'gold' },
    timestamp: '2026-11-01T07:00:00Z',
  });
const page = (messageId: string) =>
  web({ type: 'page', messageId, anonymousId: 'a-1', timestamp: '2026-11-01T06:00:00Z' });

/** Fakes that log every I/O call in order; `failures` makes a call fail that many times first. */
function setup(
  options: { written?: Map<string, string>; failures?: Record<string, number>; suppressed?: string[] } = {},
) {
  const log: string[] = [];
  const failures = { ...(options.failures ?? {}) };
  const io =
    <A extends unknown[]>(name: string, record?: (...args: A) => void) =>
    async (...args: A): Promise<void> => {
      if ((failures[name] ?? 0) > 0) {
        failures[name] -= 1;
        log.push(`${name}!`);
        throw new Error(`${name} failed`);
      }
      log.push(name);
      record?.(...args);
    };
  const inserted: Record<string, unknown[]> = {};
  const keep = (table: string) => (rows: readonly unknown[]) => {
    inserted[table] = [...(inserted[table] ?? []), ...rows];
  };
  const published: {
    events: ProfiledEvent[];
    merges: MergeRecord[];
    deadLetters: DeadLetter[];
    facts: LinkFact[];
  } = {
    events: [],
    merges: [],
    deadLetters: [],
    facts: [],
  };

  const graph = new IdentityGraph();
  const ledger = new IdentityLedger();
  const onTopic = new Set<string>();
  const links = {
    ledger,
    catchUp: io('catch-up'),
    applyOwn: (fact: LinkFact) => {
      const outcome = graph.apply(fact);
      ledger.record(outcome, fact, true);
      return outcome;
    },
    isOnTopic: (fact: LinkFact) => onTopic.has(factIdOf(fact)),
    publish: io('publish-links', (facts: readonly LinkFact[]) => published.facts.push(...facts)),
    resolve: (ids: readonly Identifier[]) => graph.resolve(ids),
    survivorOf: (p: Parameters<IdentityGraph['survivorOf']>[0]) => graph.survivorOf(p),
    profileOf: (key: string) => graph.profileOf(key),
    updateGraphMetrics: () => undefined,
  } as unknown as IdentityLinksStore;

  const events = {
    findWritten: async (ids: readonly string[]) => {
      await io('find-written')();
      return new Map([...(options.written ?? new Map<string, string>())].filter(([id]) => ids.includes(id)));
    },
    insertEvents: io('events', keep('events')),
    insertTraitUpdates: io('trait_updates', keep('trait_updates')),
    insertEventIds: io('event_ids', keep('event_ids')),
  } as unknown as EventsRepository;
  const identity = {
    insertIdentities: io('identities', keep('identities')),
    insertLinks: io('identity_links', keep('identity_links')),
    insertMerges: io('profile_merges', keep('profile_merges')),
    insertConflicts: io('identity_conflicts', keep('identity_conflicts')),
  } as unknown as IdentityRepository;
  const deadLetters = {
    insert: io('dead_letters', keep('dead_letters')),
  } as unknown as DeadLettersRepository;
  const dlqPublisher = {
    publish: io('publish-dlq', (d: readonly DeadLetter[]) => published.deadLetters.push(...d)),
  } as unknown as DeadLetterPublisher;
  const eventsPublisher = {
    publish: io('publish-events', (e: readonly ProfiledEvent[], m: readonly MergeRecord[]) => {
      published.events.push(...e);
      published.merges.push(...m);
    }),
  } as unknown as CanonicalEventsPublisher;

  const env = loadConfig(IngestEnv, { INGEST_RETRY_BASE_MS: '1', INGEST_RETRY_MAX_MS: '2' });
  const metrics = new IngestMetrics(new MetricsService('ingest-test'));
  const useCase = new IngestBatchUseCase(
    { settings: { topics } } as unknown as KafkaClient,
    env,
    links,
    events,
    deadLetters,
    identity,
    dlqPublisher,
    eventsPublisher,
    metrics,
    new JsonLogger('ingest-test', 'fatal'),
    { current: async () => new Set(options.suppressed ?? []) } as unknown as SuppressionRepository,
  );
  let heartbeats = 0;
  let running = true;
  const control: BatchControl = {
    signal: new AbortController().signal,
    shouldContinue: () => running,
    heartbeat: async () => {
      heartbeats += 1;
    },
  };
  return {
    useCase,
    control,
    log,
    inserted,
    published,
    ledger,
    metrics,
    heartbeats: () => heartbeats,
    stop: () => {
      running = false;
    },
  };
}

describe('IngestBatchUseCase', () => {
  it('drops events of erased people (GDPR suppression list) before anything is written', async () => {
    const t = setup({ suppressed: [suppressionHashOf('userId:u-1')] });
    const summary = await t.useCase.process([identify('m-9'), page('m-10')], t.control);
    // the identify carries userId u-1: dropped; the page only carries anonymousId a-1: kept
    expect(summary).toEqual({ ok: 1, duplicates: 0, deadLetters: 0, dropped: 1 });
    expect((t.inserted.events as { event_id: string }[]).map((r) => r.event_id)).toEqual(['m-10']);
    expect(t.published.events.map((e) => e.event.eventId)).toEqual(['m-10']);
    expect(t.published.facts).toEqual([]);
  });

  it('catches up and looks up written ids, publishes facts, writes the tables, then event_ids alongside the publishes', async () => {
    const t = setup();
    const summary = await t.useCase.process(
      [page('m-1'), identify('m-2'), web('{"oops"'), identify('m-2')],
      t.control,
    );
    expect(summary).toEqual({ ok: 2, duplicates: 1, deadLetters: 1, dropped: 0 });
    expect(t.log).toEqual([
      'catch-up',
      'find-written',
      'publish-links',
      'events',
      'trait_updates',
      'identities',
      'identity_links',
      'profile_merges',
      'identity_conflicts',
      'dead_letters',
      'event_ids',
      'publish-dlq',
      'publish-events',
    ]);
    expect(t.inserted.events).toHaveLength(2);
    expect(t.inserted.event_ids).toHaveLength(2);
    expect(t.inserted.trait_updates).toEqual([
      expect.objectContaining({ trait: 'plan', value: 'gold', event_id: 'm-2' }),
    ]);
    expect(t.inserted.identity_links).toHaveLength(1);
    expect(t.inserted.profile_merges).toHaveLength(1);
    expect(t.published.facts).toHaveLength(1);
    expect(t.published.deadLetters.map((d) => d.payload.reason)).toEqual(['invalid_json']);
    expect(t.published.merges).toHaveLength(1);

    // both events are filed under the profile after the batch's link facts
    const survivor = t.published.merges[0].survivorId;
    expect(t.published.events.map((e) => [e.event.eventId, e.profileId])).toEqual([
      ['m-1', survivor],
      ['m-2', survivor],
    ]);
    expect(t.ledger.pendingCount).toBe(0);
  });

  it("writes an identifier's identities row again only when it changes what was written", async () => {
    const t = setup();
    await t.useCase.process([page('m-1')], t.control);
    await t.useCase.process([page('m-2')], t.control); // same visitor, same time: nothing new
    expect(t.inserted.identities).toHaveLength(1);
    await t.useCase.process(
      [web({ type: 'page', messageId: 'm-3', anonymousId: 'a-1', timestamp: '2026-11-01T05:00:00Z' })],
      t.control,
    ); // seen earlier than written: the row goes again
    expect(t.inserted.identities).toHaveLength(2);
    expect(t.inserted.identities?.[1]).toEqual(
      expect.objectContaining({ first_seen_at: '2026-11-01 05:00:00' }),
    );
  });

  it('drops events already in event_ids from every insert but publishes them again under their stored profile', async () => {
    const t = setup({ written: new Map([['m-2', 'p-00000000000000ab']]) });
    const summary = await t.useCase.process([identify('m-2'), page('m-3')], t.control);
    expect(summary).toMatchObject({ ok: 1, duplicates: 1 });
    expect((t.inserted.events as { event_id: string }[]).map((r) => r.event_id)).toEqual(['m-3']);
    expect((t.inserted.event_ids as { event_id: string }[]).map((r) => r.event_id)).toEqual(['m-3']);
    expect(t.inserted.trait_updates ?? []).toEqual([]);
    expect(t.published.events.find((e) => e.event.eventId === 'm-2')?.profileId).toBe('p-00000000000000ab');
  });

  it('retries a failing stage with heartbeats and never repeats a stage that succeeded', async () => {
    const t = setup({ failures: { trait_updates: 2, 'publish-events': 1 } });
    await t.useCase.process([identify('m-4')], t.control);
    expect(t.log.filter((l) => l.startsWith('events'))).toEqual(['events']);
    expect(t.log.filter((l) => l.startsWith('trait_updates'))).toEqual([
      'trait_updates!',
      'trait_updates!',
      'trait_updates',
    ]);
    expect(t.log.filter((l) => l.startsWith('publish-events'))).toEqual([
      'publish-events!',
      'publish-events',
    ]);
    expect(t.log.indexOf('event_ids')).toBeGreaterThan(t.log.lastIndexOf('trait_updates'));
    expect(t.heartbeats()).toBeGreaterThanOrEqual(3);
    expect(await t.metrics.retries.get()).toMatchObject({
      values: expect.arrayContaining([
        expect.objectContaining({ labels: { stage: 'insert-trait-updates' }, value: 2 }),
      ]),
    });
  });

  it('gives up when the consumer stops, writes no event_ids and keeps the merges for later', async () => {
    const t = setup({ failures: { events: 100 } });
    const run = t.useCase.process([identify('m-5')], t.control);
    setTimeout(t.stop, 20);
    await expect(run).rejects.toBeInstanceOf(AbandonedError);
    expect(t.log).not.toContain('event_ids');
    expect(t.log).not.toContain('publish-events');
    expect(t.ledger.drain().notices).toHaveLength(1);
  });
});
