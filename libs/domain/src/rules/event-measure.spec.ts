import { asEpochMs } from '../brand';
import type { SourceKind } from '../events/canonical-event';
import type { EventFact } from '../traits/event-fact';
import { DAY_MS, HOUR_MS } from '../traits/trait-time';
import {
  eventPropertyOf,
  matchesEvent,
  measureEventCondition,
  nextEventConditionChangeAt,
} from './event-measure';
import type { EventCondition } from './rule.model';

const NOW = Date.UTC(2026, 10, 1, 9);
const ev = (
  name: string,
  daysAgo: number,
  properties: Record<string, unknown> = {},
  source: SourceKind = 'web',
  revenue?: number,
): EventFact => {
  const e: EventFact = { name, source, occurredAt: asEpochMs(NOW - daysAgo * DAY_MS), properties };
  if (revenue !== undefined) e.revenue = revenue;
  return e;
};
const order = (daysAgo: number, revenue: number) =>
  ev('Order Completed', daysAgo, {}, 'transaction', revenue);
const measure = (c: EventCondition, events: EventFact[], now = NOW) => measureEventCondition(c, events, now);

describe('matchesEvent', () => {
  it('matches name exactly, source, and every where filter', () => {
    const e = ev('Product Viewed', 1, { category: 'shoes', price: 10 });
    expect(matchesEvent({ event: 'Product Viewed' }, e)).toBe(true);
    expect(matchesEvent({ event: 'product viewed' }, e)).toBe(false);
    expect(matchesEvent({ event: 'Product Viewed', source: 'web' }, e)).toBe(true);
    expect(matchesEvent({ event: 'Product Viewed', source: 'social' }, e)).toBe(false);
    const where = (value: string): EventCondition => ({
      event: 'Product Viewed',
      where: [
        { property: 'category', op: 'eq', value },
        { property: 'price', op: 'lt', value: 20 },
      ],
    });
    expect(matchesEvent(where('shoes'), e)).toBe(true);
    expect(matchesEvent(where('bags'), e)).toBe(false);
  });

  it('reads revenue from the canonical field, other properties from properties', () => {
    const e = ev('Order Completed', 1, { revenue: 1, total: 5 }, 'transaction', 259);
    expect(eventPropertyOf(e, 'revenue')).toBe(259);
    expect(eventPropertyOf(e, 'total')).toBe(5);
    expect(eventPropertyOf(e, 'constructor')).toBeUndefined();
  });
});

describe('measureEventCondition', () => {
  const orders = [order(1, 100), order(100, 50.5), order(179.5, 0.1), order(180, 1000), order(-1, 7)];

  it('counts in the window (now - N, now]; absent measure = count >= 1', () => {
    expect(measure({ event: 'Order Completed', within: { days: 180 }, count: { gte: 3 } }, orders)).toEqual({
      actual: 3,
      result: true,
    });
    expect(measure({ event: 'Order Completed', within: { hours: 24 } }, orders)).toEqual({
      actual: 0,
      result: false,
    });
    expect(measure({ event: 'Order Completed', within: { hours: 25 } }, orders)).toEqual({
      actual: 1,
      result: true,
    });
    expect(measure({ event: 'Order Completed' }, orders)).toEqual({ actual: 4, result: true });
    expect(measure({ event: 'Order Refunded', count: { eq: 0 } }, orders)).toEqual({
      actual: 0,
      result: true,
    });
  });

  it('counts fixed windows [from, to)', () => {
    const from = new Date(NOW - 100 * DAY_MS).toISOString();
    const to = new Date(NOW - DAY_MS).toISOString();
    expect(measure({ event: 'Order Completed', within: { from, to } }, orders).actual).toBe(1);
  });

  it('sums finite numbers of the property, rounded to 6 decimals', () => {
    expect(
      measure(
        { event: 'Order Completed', within: { days: 180 }, sum: { property: 'revenue', gte: 150.6 } },
        orders,
      ),
    ).toEqual({ actual: 150.6, result: true });
    const views = [ev('X', 1, { n: 0.1 }), ev('X', 1, { n: 0.2 }), ev('X', 1, { n: '5' }), ev('X', 1, {})];
    expect(measure({ event: 'X', sum: { property: 'n', eq: 0.3 } }, views)).toEqual({
      actual: 0.3,
      result: true,
    });
  });

  it('lastSeen olderThan: has an event and the latest <= now - d; no event never matches', () => {
    const c = (days: number): EventCondition => ({
      event: 'Order Completed',
      lastSeen: { olderThan: { days } },
    });
    expect(measure(c(1), orders)).toEqual({ actual: new Date(NOW - DAY_MS).toISOString(), result: true });
    expect(measure(c(1.01), orders).result).toBe(false);
    expect(measure(c(1), [])).toEqual({ actual: null, result: false });
  });

  it('lastSeen newerThan: the latest > now - d', () => {
    const c = (hours: number): EventCondition => ({
      event: 'Order Completed',
      lastSeen: { newerThan: { hours } },
    });
    expect(measure(c(24), orders).result).toBe(false);
    expect(measure(c(25), orders).result).toBe(true);
    expect(measure(c(25), []).result).toBe(false);
  });

  it('firstSeen looks at the earliest matching event in the window', () => {
    const c: EventCondition = {
      event: 'Order Completed',
      within: { days: 180 },
      firstSeen: { olderThan: { days: 179 } },
    };
    expect(measure(c, orders)).toEqual({
      actual: new Date(NOW - 179.5 * DAY_MS).toISOString(),
      result: true,
    });
    const newer: EventCondition = { event: 'Order Completed', firstSeen: { newerThan: { days: 200 } } };
    expect(measure(newer, orders).result).toBe(true);
  });
});

describe('nextEventConditionChangeAt', () => {
  it('is the oldest counted event leaving a rolling window', () => {
    const events = [order(10, 1), order(100, 1)];
    expect(nextEventConditionChangeAt({ event: 'Order Completed', within: { days: 180 } }, events, NOW)).toBe(
      NOW + 80 * DAY_MS,
    );
  });

  it('is a lastSeen/firstSeen threshold maturing', () => {
    const events = [order(10, 1)];
    expect(
      nextEventConditionChangeAt(
        { event: 'Order Completed', lastSeen: { olderThan: { days: 90 } } },
        events,
        NOW,
      ),
    ).toBe(NOW + 80 * DAY_MS);
    expect(
      nextEventConditionChangeAt(
        { event: 'Order Completed', firstSeen: { newerThan: { hours: 250 } } },
        events,
        NOW,
      ),
    ).toBe(NOW + 10 * HOUR_MS);
  });

  it('is a later-dated event becoming due; nothing for all-time counts of past events', () => {
    expect(nextEventConditionChangeAt({ event: 'Order Completed' }, [order(10, 1), order(-2, 1)], NOW)).toBe(
      NOW + 2 * DAY_MS,
    );
    expect(nextEventConditionChangeAt({ event: 'Order Completed' }, [order(10, 1)], NOW)).toBeUndefined();
    const from = new Date(NOW - 100 * DAY_MS).toISOString();
    const to = new Date(NOW + DAY_MS).toISOString();
    expect(
      nextEventConditionChangeAt({ event: 'Order Completed', within: { from, to } }, [order(10, 1)], NOW),
    ).toBeUndefined();
  });

  it('ignores events that do not match', () => {
    expect(
      nextEventConditionChangeAt({ event: 'Page Viewed', within: { days: 1 } }, [order(0.5, 1)], NOW),
    ).toBeUndefined();
  });
});
