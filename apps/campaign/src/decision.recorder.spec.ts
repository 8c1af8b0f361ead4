import type { ClickHouseClient } from '@cdp/clickhouse';
import { exampleSegmentEvent } from '@cdp/segment-events/testing';
import { campaignDef, silentLogger, testEnv, testMetrics } from '../../../tests/support/campaign-fakes';
import type { DeadLetterPublisher, SegmentMessage } from './dead-letter.publisher';
import type { DeliveriesRepository } from './deliveries.repository';
import type { Delivery, DeliveryRow } from './delivery';
import { DecisionRecorder } from './decision.recorder';
import type { DeliveryWorker } from './delivery.worker';
import { pairKey, type Candidate } from './domain/decide';
import { deliveryIdOf } from './domain/delivery-id';
import type { PriorDecision } from './domain/frequency-cap';

const TOPIC = 'cdp.segment-events';

function message(partition: number, offset: number): SegmentMessage {
  return {
    topic: TOPIC,
    partition,
    offset: String(offset),
    key: 'p',
    value: Buffer.from('{}'),
    headers: {},
    timestamp: '0',
  };
}

function candidate(
  m: SegmentMessage,
  eventId: string,
  profileId: string,
  campaign = campaignDef('a'),
): Candidate {
  return {
    deliveryId: deliveryIdOf(campaign.id, eventId),
    campaign,
    event: exampleSegmentEvent({ id: eventId, profileId }),
    triggeredAtMs: Date.UTC(2026, 10, 1),
    source: { topic: m.topic, partition: m.partition, offset: m.offset },
  };
}

function setup(
  options: { failInserts?: number; prior?: Map<string, PriorDecision[]>; poison?: string } = {},
) {
  const log: string[] = [];
  const inserted: DeliveryRow[] = [];
  const enqueued: Delivery[] = [];
  const deadLetters: { offset: string; reason: string }[] = [];
  let failures = options.failInserts ?? 0;
  const repository = {
    priorDecisions: async () => new Map(options.prior ?? []),
    insert: async (rows: DeliveryRow[]) => {
      if (failures > 0 || (options.poison && rows.some((r) => r.segment_event_id === options.poison))) {
        failures -= 1;
        log.push('insert-failed');
        throw new Error('Code: 27. Cannot parse input');
      }
      log.push(`insert:${rows.length}`);
      inserted.push(...rows);
    },
  } as unknown as DeliveriesRepository;
  const worker = { enqueue: (d: Delivery[]) => enqueued.push(...d) } as unknown as DeliveryWorker;
  const dlq = {
    publish: async (m: SegmentMessage, reason: string) => {
      deadLetters.push({ offset: m.offset, reason });
    },
  } as unknown as DeadLetterPublisher;
  const clickhouse = { ping: async () => undefined } as unknown as ClickHouseClient;
  const recorder = new DecisionRecorder(
    repository,
    worker,
    dlq,
    clickhouse,
    testEnv({ CAMPAIGN_DECISION_BATCH_SIZE: '10', CAMPAIGN_MAX_PROCESSING_ATTEMPTS: '2' }),
    testMetrics(),
    silentLogger(),
  );
  const commit = async (offsets: { partition: number; offset: string }[]) => {
    log.push(`commit:${offsets.map((o) => `${o.partition}@${o.offset}`).join(',')}`);
  };
  return { recorder, log, inserted, enqueued, deadLetters, commit };
}

describe('DecisionRecorder', () => {
  it('writes the decisions, then commits the next offset of every partition, then hands pending ones to the worker', async () => {
    const { recorder, log, inserted, enqueued, commit } = setup();
    const m1 = message(0, 41);
    const m2 = message(1, 7);
    const m3 = message(0, 42); // triggers nothing, still committed
    recorder.add(m1, [candidate(m1, 'e1', 'p-1')], commit);
    recorder.add(m2, [candidate(m2, 'e2', 'p-2')], commit);
    recorder.add(m3, [], commit);
    await recorder.flush();
    expect(log).toEqual(['insert:2', 'commit:0@43,1@8']);
    expect(inserted.map((r) => [r.segment_event_id, r.status])).toEqual([
      ['e1', 'pending'],
      ['e2', 'pending'],
    ]);
    expect(enqueued.map((d) => d.segmentEventId)).toEqual(['e1', 'e2']);
    expect(JSON.parse(enqueued[0].body)).toMatchObject({
      id: 'e1',
      campaignId: 'a',
      deliveryId: enqueued[0].id,
    });
  });

  it('commits nothing until the write succeeded (retried with backoff)', async () => {
    const { recorder, log, commit } = setup({ failInserts: 1 });
    const m = message(0, 1);
    recorder.add(m, [candidate(m, 'e1', 'p-1')], commit);
    await recorder.flush();
    expect(log).toEqual(['insert-failed', 'insert:1', 'commit:0@2']);
  });

  it('skips delivery ids already decided (redelivered segment events) and remembers its own decisions', async () => {
    const m = message(0, 1);
    const c = candidate(m, 'e1', 'p-1');
    const prior = new Map([
      [pairKey('a', 'p-1'), [{ deliveryId: c.deliveryId, status: 'sent', triggeredAtMs: 0 }]],
    ]);
    const { recorder, inserted, enqueued, commit, log } = setup({ prior });
    recorder.add(m, [c, candidate(m, 'e2', 'p-2')], commit);
    await recorder.flush();
    expect(inserted.map((r) => r.segment_event_id)).toEqual(['e2']);
    // e2 again (a redelivery after a rebalance): known from memory, nothing written
    const again = message(0, 2);
    recorder.add(again, [candidate(again, 'e2', 'p-2')], commit);
    await recorder.flush();
    expect(inserted).toHaveLength(1);
    expect(enqueued).toHaveLength(1);
    expect(log[log.length - 1]).toBe('commit:0@3');
  });

  it('dead-letters the one message ClickHouse keeps refusing while it answers, and moves on', async () => {
    const { recorder, inserted, deadLetters, commit, log } = setup({ poison: 'bad' });
    const m1 = message(0, 1);
    const m2 = message(0, 2);
    recorder.add(m1, [candidate(m1, 'good', 'p-1')], commit);
    recorder.add(m2, [candidate(m2, 'bad', 'p-2')], commit);
    await recorder.flush();
    expect(inserted.map((r) => r.segment_event_id)).toEqual(['good']);
    expect(deadLetters).toEqual([{ offset: '2', reason: 'write_failed' }]);
    expect(log[log.length - 1]).toBe('commit:0@3');
  });

  it('asks the consumer to wait while twice the batch size is waiting, flushing and heartbeating meanwhile', async () => {
    const { recorder, commit } = setup();
    for (let i = 0; i < 20; i++) {
      const m = message(0, i);
      recorder.add(m, [candidate(m, `e${i}`, `p-${i}`)], commit);
    }
    expect(recorder.full).toBe(true);
    await recorder.waitForRoom(async () => undefined);
    expect(recorder.full).toBe(false);
  });

  it('at shutdown writes and commits what was handed over', async () => {
    const { recorder, log, commit } = setup();
    const m = message(0, 9);
    recorder.add(m, [candidate(m, 'e1', 'p-1')], commit);
    await recorder.drain(1000);
    expect(log).toEqual(['insert:1', 'commit:0@10']);
  });
});
