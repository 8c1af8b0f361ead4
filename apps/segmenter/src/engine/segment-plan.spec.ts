import { asEpochMs, type EventFact, type Rule } from '@cdp/domain';
import { entryOnlyByEvents } from './entry-by-events';
import type { AppliedSegment } from './profile-state';
import { SegmentPlan } from './segment-plan';

const applied = (rule: Rule): AppliedSegment => ({
  version: 1,
  status: 'active',
  since: 0,
  exitOnArchive: true,
  rule,
});
const DAY = 86_400_000;

describe('SegmentPlan', () => {
  it('orders referenced segments first and finds dependents', () => {
    const plan = new SegmentPlan({
      a: applied({ inSegment: 'c' }),
      b: applied({ all: [{ inSegment: 'a' }, { event: 'Page Viewed' }] }),
      c: applied({ event: 'Page Viewed' }),
      d: { ...applied({ event: 'X' }), status: 'archived' },
    });
    expect(plan.ordered.map((s) => s.id)).toEqual(['c', 'a', 'b']);
    expect([...plan.withDependents(['c'])].sort()).toEqual(['a', 'b', 'c']);
    expect(plan.get('d')).toBeUndefined();
  });

  it('data needs: the longest window and the event names, or everything', () => {
    const windows = new SegmentPlan({
      a: applied({ event: 'Page Viewed', within: { days: 30 } }),
      b: applied({ event: 'Order Completed', within: { hours: 2 }, lastSeen: { newerThan: { days: 40 } } }),
      c: applied({ trait: 'country', op: 'eq', value: 'CN' }),
    });
    expect(windows.dataNeeds(null)).toEqual({
      lookbackMs: 40 * DAY,
      eventNames: ['Order Completed', 'Page Viewed'],
    });
    expect(windows.dataNeeds(10 * DAY).lookbackMs).toBe(10 * DAY);
    const computed = new SegmentPlan({ a: applied({ trait: 'lifecycleStage', op: 'eq', value: 'loyal' }) });
    expect(computed.dataNeeds(null)).toEqual({ lookbackMs: null, eventNames: null });
    const allTime = new SegmentPlan({ a: applied({ event: 'Page Viewed' }) });
    expect(allTime.dataNeeds(null)).toEqual({ lookbackMs: null, eventNames: ['Page Viewed'] });
  });

  it('affectedBy(events): the segments an event touches (name, source, where, computed-trait reads)', () => {
    const plan = new SegmentPlan({
      views: applied({ event: 'Page Viewed' }),
      shoes: applied({
        event: 'Product Viewed',
        where: [{ property: 'category', op: 'eq', value: 'shoes' }],
      }),
      bags: applied({
        event: 'Product Viewed',
        where: [{ property: 'category', op: 'eq', value: 'bags' }],
      }),
      storeOrders: applied({ event: 'Order Completed', source: 'transaction' }),
      loyal: applied({ trait: 'lifecycleStage', op: 'eq', value: 'loyal' }),
      country: applied({ trait: 'country', op: 'eq', value: 'CN' }),
    });
    const event = (name: string, category = '', source: EventFact['source'] = 'web'): EventFact => ({
      name,
      source,
      occurredAt: asEpochMs(0),
      properties: { category },
    });
    const touched = (events: EventFact[]): string[] => {
      const marks = plan.affectedBy(events);
      return plan.ordered
        .filter((_, i) => marks[i] === 1)
        .map((s) => s.id)
        .sort();
    };
    expect(touched([])).toEqual([]);
    expect(touched([event('Product Viewed', 'shoes')])).toEqual(['shoes']);
    expect(touched([event('Product Viewed', 'hats'), event('Page Viewed')])).toEqual(['views']);
    // lifecycleStage reads orders: any order touches it; the transaction-only condition only transaction orders
    expect(touched([event('Order Completed')])).toEqual(['loyal']);
    expect(touched([event('Order Completed', '', 'transaction'), event('Product Viewed', 'bags')])).toEqual([
      'bags',
      'loyal',
      'storeOrders',
    ]);
    // the same answer as each segment's own test
    const events = [event('Product Viewed', 'bags'), event('Order Completed', '', 'transaction')];
    const marks = plan.affectedBy(events);
    plan.ordered.forEach((s, i) => expect(marks[i] === 1).toBe(events.some((e) => s.affectedBy(e))));
  });

  it('entryOnlyByEvents: which rules can only be entered through a new event', () => {
    expect(
      entryOnlyByEvents({ all: [{ event: 'Order Completed', within: { days: 180 }, count: { gte: 3 } }] }),
    ).toBe(true);
    expect(
      entryOnlyByEvents({ any: [{ event: 'Page Viewed' }, { trait: 'country', op: 'eq', value: 'CN' }] }),
    ).toBe(true);
    expect(entryOnlyByEvents({ event: 'Page Viewed', lastSeen: { newerThan: { days: 1 } } })).toBe(true);
    expect(entryOnlyByEvents({ event: 'Order Completed', within: { days: 1 }, count: { eq: 0 } })).toBe(
      false,
    );
    expect(entryOnlyByEvents({ event: 'Order Completed', lastSeen: { olderThan: { days: 90 } } })).toBe(
      false,
    );
    expect(entryOnlyByEvents({ trait: 'lifecycleStage', op: 'eq', value: 'churned' })).toBe(false);
    expect(entryOnlyByEvents({ not: { event: 'Page Viewed' } })).toBe(false);
    expect(entryOnlyByEvents({ inSegment: 'x' })).toBe(false);
    expect(entryOnlyByEvents({ event: 'Order Completed', sum: { property: 'revenue', gte: 10 } })).toBe(
      false,
    );
  });
});
