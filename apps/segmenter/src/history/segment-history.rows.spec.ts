import { buildSegmentEvent } from '@cdp/domain/segments';
import { transitionRow } from './segment-history.rows';

describe('transitionRow', () => {
  it('maps a segment event to a segment_transitions row', () => {
    const event = buildSegmentEvent({
      segmentId: 'churned',
      version: 2,
      profileId: 'p-1',
      type: 'segment.entered',
      occurredAt: Date.parse('2026-11-01T09:00:00.250Z'),
      emittedAt: Date.parse('2026-11-01T09:00:01.007Z'),
      cause: { kind: 'time', eventId: null, kafka: null },
      identities: { userId: 'u-1', anonymousIds: ['a-1', 'a-2'], email: null },
      reason: [{ condition: 'x', actual: 1, result: true }],
    });
    expect(transitionRow(JSON.stringify(event), 7, Date.parse('2026-11-01T09:00:02Z'))).toEqual({
      id: event.id,
      segment_id: 'churned',
      segment_version: 2,
      profile_id: 'p-1',
      type: 'segment.entered',
      sequence: 7,
      occurred_at: '2026-11-01 09:00:00',
      occurred_ms: 250,
      emitted_at: '2026-11-01 09:00:01',
      emitted_ms: 7,
      cause_kind: 'time',
      cause_event_id: '',
      cause_topic: '',
      cause_partition: -1,
      cause_offset: '',
      reason: '[{"condition":"x","actual":1,"result":true}]',
      user_id: 'u-1',
      email: '',
      anonymous_ids: ['a-1', 'a-2'],
      recorded_at: '2026-11-01 09:00:02',
    });
    expect(transitionRow('{}', 1, 0)).toBeUndefined();
  });
});
