import { contractExample } from '@cdp/segment-events/testing';
import {
  campaignDef,
  FakeCatalog,
  silentLogger,
  testEnv,
  testMetrics,
} from '../../../tests/support/campaign-fakes';
import type { DeadLetterPublisher, SegmentMessage } from './dead-letter.publisher';
import type { DecisionRecorder } from './decision.recorder';
import { deliveryIdOf } from './domain/delivery-id';
import { SegmentEventIntake } from './segment-event.intake';

const emitted = '2026-11-01T09:00:00.180Z';

function message(value: unknown, offset = 1): SegmentMessage {
  return {
    topic: 'cdp.segment-events',
    partition: 0,
    offset: String(offset),
    key: 'p-0001',
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    headers: {},
    timestamp: '0',
  };
}

function setup(catalog: FakeCatalog) {
  const added: { offset: string; candidates: string[] }[] = [];
  const deadLetters: { offset: string; reason: string; problems: unknown }[] = [];
  const recorder = {
    add: (m: SegmentMessage, candidates: { deliveryId: string }[]) =>
      added.push({ offset: m.offset, candidates: candidates.map((c) => c.deliveryId) }),
    waitForRoom: async () => undefined,
  } as unknown as DecisionRecorder;
  const dlq = {
    publish: async (m: SegmentMessage, reason: string, problems: unknown) => {
      deadLetters.push({ offset: m.offset, reason, problems });
    },
  } as unknown as DeadLetterPublisher;
  const intake = new SegmentEventIntake(
    catalog.asCatalog(),
    recorder,
    dlq,
    testEnv(),
    testMetrics(),
    silentLogger(),
  );
  const control = { heartbeat: async () => undefined, commit: async () => undefined };
  return { intake, added, deadLetters, control };
}

describe('SegmentEventIntake', () => {
  const churned = (overrides: Record<string, unknown> = {}) =>
    contractExample({ segment: { id: 'churned', version: 1 }, emittedAt: emitted, ...overrides });

  it('turns a transition into one candidate per active campaign it triggers', () => {
    const catalog = new FakeCatalog(
      campaignDef('a'),
      campaignDef('b'),
      campaignDef('paused', { status: 'paused' }),
      campaignDef('exit', { trigger: { segment: 'churned', on: 'exited' } }),
      campaignDef('other', { trigger: { segment: 'loyal', on: 'entered' } }),
    );
    const { intake } = setup(catalog);
    const result = intake.process(message(churned()));
    expect(result).toMatchObject({ kind: 'processed', outcome: 'triggered' });
    if (result.kind !== 'processed') return;
    expect(result.candidates.map((c) => [c.campaign.id, c.deliveryId])).toEqual([
      ['a', deliveryIdOf('a', '7f1c0a9e')],
      ['b', deliveryIdOf('b', '7f1c0a9e')],
    ]);
    expect(result.candidates[0].triggeredAtMs).toBe(Date.parse('2026-11-01T09:00:00Z'));
  });

  it('says why nothing was triggered', () => {
    const { intake } = setup(
      new FakeCatalog(
        campaignDef('p', { status: 'paused' }),
        campaignDef('new', { trigger: { segment: 'new', on: 'entered' }, createdAt: '2027-01-01T00:00:00Z' }),
      ),
    );
    expect(intake.process(message(contractExample({ emittedAt: emitted })))).toMatchObject({
      outcome: 'no_campaign',
    });
    expect(intake.process(message(churned()))).toMatchObject({ outcome: 'paused' });
    expect(intake.process(message(churned({ segment: { id: 'new', version: 1 } })))).toMatchObject({
      outcome: 'before_campaign',
    });
    expect(intake.process(message(churned({ cause: { kind: 'deletion' } })))).toMatchObject({
      outcome: 'deletion',
    });
  });

  it('rejects invalid payloads and instants a DateTime cannot hold', () => {
    const { intake } = setup(new FakeCatalog(campaignDef('a')));
    expect(intake.process(message('not json'))).toMatchObject({ kind: 'rejected' });
    expect(intake.process(message({ id: 'x' }))).toMatchObject({ kind: 'rejected' });
    expect(intake.process(message(churned({ occurredAt: '2200-01-01T00:00:00Z' })))).toEqual({
      kind: 'rejected',
      problems: [{ path: 'occurredAt', message: 'must be from 1970 to 2105' }],
    });
  });

  it('dead-letters an invalid message and hands its offset over (committed with the next batch)', async () => {
    const { intake, added, deadLetters, control } = setup(new FakeCatalog(campaignDef('a')));
    await intake.handle(message('{"id":', 5), control);
    await intake.handle(message(churned(), 6), control);
    expect(deadLetters).toEqual([
      {
        offset: '5',
        reason: 'invalid_payload',
        problems: [{ path: '', message: expect.stringMatching(/^is not JSON/) }],
      },
    ]);
    expect(added).toEqual([
      { offset: '5', candidates: [] },
      { offset: '6', candidates: [deliveryIdOf('a', '7f1c0a9e')] },
    ]);
  });

  it('retries a step that throws, then dead-letters the message instead of blocking the partition', async () => {
    const catalog = new FakeCatalog(campaignDef('a'));
    let calls = 0;
    catalog.triggeredBy = () => {
      calls += 1;
      throw new Error('boom');
    };
    const { intake, added, deadLetters, control } = setup(catalog);
    await intake.handle(message(churned(), 9), control);
    expect(calls).toBe(5); // CAMPAIGN_MAX_PROCESSING_ATTEMPTS
    expect(deadLetters).toEqual([
      { offset: '9', reason: 'processing_failed', problems: [{ path: '', message: 'boom' }] },
    ]);
    expect(added).toEqual([{ offset: '9', candidates: [] }]);
  });

  it('leaves messages alone once draining (they are redelivered after the restart)', async () => {
    const { intake, added, control } = setup(new FakeCatalog(campaignDef('a')));
    intake.startDraining();
    await intake.handle(message(churned()), control);
    expect(added).toEqual([]);
  });
});
