import { buildSegmentEvent, parseSegmentEvent, transitionId, type SegmentEventInput } from './segment-event';

const input: SegmentEventInput = {
  segmentId: 'loyal-buyers',
  version: 3,
  profileId: 'p-0123456789abcdef',
  type: 'segment.entered',
  occurredAt: Date.parse('2026-11-01T09:00:00.000Z'),
  cause: {
    kind: 'event',
    eventId: 'o-3001:completed',
    kafka: { topic: 'cdp.raw.transaction', partition: 0, offset: '41' },
  },
  identities: { userId: 'u-1001', anonymousIds: ['a-77'], email: 'lin@example.com' },
  reason: [{ condition: 'Order Completed count within 180d >= 3', actual: 3, result: true }],
  emittedAt: Date.parse('2026-11-01T09:00:00.180Z'),
};

describe('segment events', () => {
  it('builds exactly the payload of contract section 7', () => {
    const event = buildSegmentEvent(input);
    expect(event).toEqual({
      id: transitionId(input),
      type: 'segment.entered',
      segment: { id: 'loyal-buyers', version: 3 },
      profileId: 'p-0123456789abcdef',
      identities: { userId: 'u-1001', anonymousIds: ['a-77'], email: 'lin@example.com' },
      occurredAt: '2026-11-01T09:00:00.000Z',
      emittedAt: '2026-11-01T09:00:00.180Z',
      cause: {
        kind: 'event',
        eventId: 'o-3001:completed',
        kafka: { topic: 'cdp.raw.transaction', partition: 0, offset: '41' },
      },
      reason: [{ condition: 'Order Completed count within 180d >= 3', actual: 3, result: true }],
    });
    expect(Object.keys(event)).toEqual([
      'id',
      'type',
      'segment',
      'profileId',
      'identities',
      'occurredAt',
      'emittedAt',
      'cause',
      'reason',
    ]);
    expect(parseSegmentEvent(JSON.stringify(event))).toEqual(event);
    expect(parseSegmentEvent('{"id":1}')).toBeUndefined();
  });

  it('ids are deterministic: independent of emission time, identities, reason and Kafka coordinates', () => {
    const id = transitionId(input);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(
      buildSegmentEvent({
        ...input,
        emittedAt: input.emittedAt + 5000,
        identities: { userId: null, anonymousIds: [], email: null },
        reason: [],
        cause: { ...input.cause, kafka: null },
      }).id,
    ).toBe(id);
  });

  it('ids differ for every part of the transition that matters', () => {
    const id = transitionId(input);
    const variants = [
      { ...input, segmentId: 'other' },
      { ...input, version: 4 },
      { ...input, profileId: 'p-x' },
      { ...input, type: 'segment.exited' as const },
      { ...input, occurredAt: input.occurredAt + 1 },
      { ...input, cause: { ...input.cause, kind: 'time' as const } },
      { ...input, cause: { ...input.cause, eventId: 'o-3002:completed' } },
    ];
    const ids = variants.map((v) => transitionId(v));
    expect(new Set([id, ...ids]).size).toBe(variants.length + 1);
  });
});
