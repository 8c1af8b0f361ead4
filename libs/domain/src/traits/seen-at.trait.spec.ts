import { asEpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { nextSeenAtChangeAt, seenAtOf } from './seen-at.trait';

const ev = (at: number): EventFact => ({
  name: 'Page Viewed',
  source: 'web',
  occurredAt: asEpochMs(at),
  properties: {},
});
const NOW = Date.UTC(2026, 10, 1, 9);

describe('firstSeenAt and lastSeenAt', () => {
  it('are the ISO instants of the earliest and latest event at or before now', () => {
    expect(seenAtOf([ev(NOW - 5000), ev(NOW), ev(NOW - 10_000), ev(NOW + 1)], NOW)).toEqual({
      firstSeenAt: '2026-11-01T08:59:50.000Z',
      lastSeenAt: '2026-11-01T09:00:00.000Z',
    });
    expect(seenAtOf([ev(NOW + 1)], NOW)).toEqual({});
  });

  it('change when the next event arrives', () => {
    expect(nextSeenAtChangeAt([ev(NOW - 1), ev(NOW + 7), ev(NOW + 3)], NOW)).toBe(NOW + 3);
    expect(nextSeenAtChangeAt([ev(NOW - 1)], NOW)).toBeUndefined();
  });
});
