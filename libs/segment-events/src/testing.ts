import type { SegmentEvent } from './segment-event';

/**
 * Test helpers for consumers (`@cdp/segment-events/testing`): the contract's example segment
 * event (section 7), with overrides.
 */
export function contractExample(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '7f1c0a9e',
    type: 'segment.entered',
    segment: { id: 'loyal-buyers', version: 3 },
    profileId: 'p-0001',
    identities: { userId: 'u-1001', anonymousIds: ['a-77'], email: 'lin@example.com' },
    occurredAt: '2026-11-01T09:00:00Z',
    emittedAt: '2026-11-01T09:00:00.180Z',
    cause: {
      kind: 'event',
      eventId: 'o-3001:completed',
      kafka: { topic: 'cdp.raw.transaction', partition: 0, offset: '41' },
    },
    reason: [{ condition: 'Order Completed count within 180d >= 3', actual: 3, result: true }],
    ...overrides,
  };
}

/** `contractExample` typed as a SegmentEvent (overrides are not validated). */
export function exampleSegmentEvent(overrides: Record<string, unknown> = {}): SegmentEvent {
  return contractExample(overrides) as unknown as SegmentEvent;
}
