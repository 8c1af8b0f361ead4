import { asEpochMs, asProfileId } from '../brand';
import type { SourceKind } from '../events/canonical-event';
import type { EventFact, EventFactContext } from '../traits/event-fact';
import { DAY_MS } from '../traits/trait-time';
import { evaluate, type Evaluation } from './rule.evaluator';
import { validateRule } from './rule.validator';
import { SEED_SEGMENTS } from './seed-segments';

const NOW = asEpochMs(Date.UTC(2026, 10, 1, 9));
const iso = (daysAgo: number) => new Date(NOW - daysAgo * DAY_MS).toISOString();

interface EventSpec {
  properties?: Record<string, unknown>;
  revenue?: number;
  source?: SourceKind;
  context?: EventFactContext;
}
const ev = (name: string, daysAgo: number, spec: EventSpec = {}): EventFact => {
  const source: SourceKind =
    spec.source ??
    (name.startsWith('Order')
      ? 'transaction'
      : name.startsWith('Social')
        ? 'social'
        : name.startsWith('Ad')
          ? 'ad'
          : 'web');
  const e: EventFact = {
    name,
    source,
    occurredAt: asEpochMs(NOW - daysAgo * DAY_MS),
    properties: spec.properties ?? {},
  };
  if (spec.revenue !== undefined) e.revenue = spec.revenue;
  if (spec.context !== undefined) e.context = spec.context;
  return e;
};
const order = (daysAgo: number, revenue = 100) => ev('Order Completed', daysAgo, { revenue });
const hours = (h: number) => h / 24;

function run(id: string, events: EventFact[], traits: Record<string, unknown> = {}): Evaluation {
  const seed = SEED_SEGMENTS.find((s) => s.id === id);
  if (seed === undefined) throw new Error(`no seed segment ${id}`);
  return evaluate(seed.rule, { profileId: asProfileId('p-1'), traits, events }, NOW);
}
const member = (id: string, events: EventFact[], traits: Record<string, unknown> = {}) =>
  run(id, events, traits).member;

describe('seed segments', () => {
  it('are valid rules with unique ids that round-trip through JSON', () => {
    const knownTraits = new Set(['gender', 'age', 'country']);
    const ids = SEED_SEGMENTS.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(12);
    for (const seed of SEED_SEGMENTS) {
      const json = JSON.parse(JSON.stringify(seed.rule)) as unknown;
      expect([seed.id, validateRule(json, { knownTraits, selfId: seed.id })]).toEqual([
        seed.id,
        { ok: true, rule: json },
      ]);
    }
  });

  it('prospects active in the last 30 days', () => {
    expect(run('prospects-active-30d', [ev('Page Viewed', 3)])).toEqual({
      member: true,
      reason: [
        { condition: 'lifecycleStage = "prospect"', actual: 'prospect', result: true },
        { condition: 'Page Viewed count within 30d >= 1', actual: 1, result: true },
        { condition: 'Screen Viewed count within 30d >= 1', actual: 0, result: false },
      ],
    });
    expect(member('prospects-active-30d', [ev('Screen Viewed', 29.9)])).toBe(true);
    expect(member('prospects-active-30d', [ev('Page Viewed', 30)])).toBe(false);
    expect(member('prospects-active-30d', [ev('Page Viewed', 1), order(5)])).toBe(false);
  });

  it('first-time buyers', () => {
    expect(run('first-time-buyers', [order(10)])).toEqual({
      member: true,
      reason: [{ condition: 'lifecycleStage = "new"', actual: 'new', result: true }],
    });
    expect(member('first-time-buyers', [order(10), order(40)])).toBe(false);
    expect(member('first-time-buyers', [order(120)])).toBe(false);
    expect(member('first-time-buyers', [])).toBe(false);
  });

  it('loyal: >= 3 orders in 180 days', () => {
    expect(run('loyal-buyers', [order(1), order(100), order(179)])).toEqual({
      member: true,
      reason: [{ condition: 'Order Completed count within 180d >= 3', actual: 3, result: true }],
    });
    expect(run('loyal-buyers', [order(1), order(100), order(180)]).reason[0]?.actual).toBe(2);
    expect(member('loyal-buyers', [order(1), order(100), order(180)])).toBe(false);
  });

  it('churned: bought before, nothing in 90 days', () => {
    expect(run('churned', [order(300), order(100)])).toEqual({
      member: true,
      reason: [
        { condition: 'Order Completed count >= 1', actual: 2, result: true },
        { condition: 'Order Completed last seen older than 90d', actual: iso(100), result: true },
      ],
    });
    expect(run('churned', [])).toEqual({
      member: false,
      reason: [
        { condition: 'Order Completed count >= 1', actual: 0, result: false },
        { condition: 'Order Completed last seen older than 90d', actual: null, result: false },
      ],
    });
    expect(member('churned', [order(90)])).toBe(true);
    expect(member('churned', [order(89.9)])).toBe(false);
  });

  it('high / medium / low frequency buyers', () => {
    const orders = (n: number) => Array.from({ length: n }, (_, i) => order(5 + i * 20));
    const levels = (n: number) =>
      ['high', 'medium', 'low'].filter((l) => member(`${l}-frequency-buyers`, orders(n)));
    expect(levels(4)).toEqual(['high']);
    expect(levels(3)).toEqual(['medium']);
    expect(levels(2)).toEqual(['medium']);
    expect(levels(1)).toEqual(['low']);
    expect(levels(0)).toEqual([]);
    expect(run('low-frequency-buyers', [order(5)]).reason).toEqual([
      { condition: 'purchaseFrequency = "low"', actual: 'low', result: true },
    ]);
  });

  it('cart abandoners: product added in the last day, no order in the last day', () => {
    expect(run('cart-abandoners', [ev('Product Added', hours(2))])).toEqual({
      member: true,
      reason: [
        { condition: 'Product Added count within 1d >= 1', actual: 1, result: true },
        { condition: 'Order Completed count within 1d = 0', actual: 0, result: true },
      ],
    });
    expect(member('cart-abandoners', [ev('Product Added', hours(2)), order(hours(1))])).toBe(false);
    expect(member('cart-abandoners', [ev('Product Added', hours(25))])).toBe(false);
    expect(member('cart-abandoners', [ev('Product Added', hours(2)), order(2)])).toBe(true);
    // the documented limitation: an order earlier the same day, then a new cart add, is not "since"
    expect(member('cart-abandoners', [order(hours(20)), ev('Product Added', hours(2))])).toBe(false);
  });

  it('interested in a category: 3 views of it in 14 days, or a like of that topic', () => {
    const view = (daysAgo: number, category: string) =>
      ev('Product Viewed', daysAgo, { properties: { category } });
    expect(
      run('interested-in-skincare', [view(1, 'skincare'), view(5, 'skincare'), view(13, 'skincare')]),
    ).toEqual({
      member: true,
      reason: [
        {
          condition: 'Product Viewed where category = "skincare" count within 14d >= 3',
          actual: 3,
          result: true,
        },
        {
          condition: 'Social Like where topics contains "skincare" count within 14d >= 1',
          actual: 0,
          result: false,
        },
      ],
    });
    expect(
      member('interested-in-skincare', [view(1, 'skincare'), view(5, 'skincare'), view(5, 'bags')]),
    ).toBe(false);
    expect(
      member('interested-in-skincare', [view(1, 'skincare'), view(5, 'skincare'), view(14, 'skincare')]),
    ).toBe(false);
    const like = (daysAgo: number, topics: string[]) =>
      ev('Social Like', daysAgo, { properties: { topics } });
    expect(member('interested-in-skincare', [like(3, ['makeup', 'skincare'])])).toBe(true);
    expect(member('interested-in-skincare', [like(20, ['skincare'])])).toBe(false);
    expect(member('interested-in-skincare', [like(3, ['makeup'])])).toBe(false);
  });

  it('women 25-34 in CN acquired through paid social', () => {
    const traits = { gender: 'female', age: 29, country: 'CN' };
    const paidWeibo = ev('Page Viewed', 60, { context: { utmMedium: 'paid_social', utmSource: 'weibo' } });
    const later = ev('Page Viewed', 10, { context: { referrer: 'https://www.baidu.com/' } });
    expect(run('women-25-34-cn-paid-social', [later, paidWeibo], traits)).toEqual({
      member: true,
      reason: [
        { condition: 'gender = "female"', actual: 'female', result: true },
        { condition: 'age between 25 and 34', actual: 29, result: true },
        { condition: 'country = "CN"', actual: 'CN', result: true },
        { condition: 'acquisitionChannel = "paid"', actual: 'paid', result: true },
        {
          condition: expect.stringMatching(/^acquisitionSource in \["weibo",/) as unknown,
          actual: 'weibo',
          result: true,
        },
      ],
    });
    expect(member('women-25-34-cn-paid-social', [paidWeibo], { ...traits, age: 35 })).toBe(false);
    expect(member('women-25-34-cn-paid-social', [paidWeibo], { ...traits, age: 25 })).toBe(true);
    expect(member('women-25-34-cn-paid-social', [paidWeibo], { ...traits, country: 'SG' })).toBe(false);
    expect(member('women-25-34-cn-paid-social', [paidWeibo], { age: 29, country: 'CN' })).toBe(false);
    const adClick = ev('Ad Click', 30, { context: { channel: 'weibo_ads' } });
    expect(member('women-25-34-cn-paid-social', [adClick], traits)).toBe(true);
    const search = ev('Page Viewed', 30, { context: { utmMedium: 'cpc', utmSource: 'baidu' } });
    expect(member('women-25-34-cn-paid-social', [search], traits)).toBe(false);
    expect(member('women-25-34-cn-paid-social', [later], traits)).toBe(false);
  });

  it('RFM champions', () => {
    const best = [order(2, 1500), order(20, 1500), order(40, 1500), order(60, 1500), order(100, 1500)];
    expect(run('rfm-champions', best)).toEqual({
      member: true,
      reason: [{ condition: 'rfm.segment = "champions"', actual: 'champions', result: true }],
    });
    expect(run('rfm-champions', [order(2, 9000)]).reason[0]?.actual).toBe('new');
    const earlier = best.map((o) => ({ ...o, occurredAt: asEpochMs(o.occurredAt - 100 * DAY_MS) }));
    expect(run('rfm-champions', earlier).reason[0]?.actual).toBe('loyal');
    expect(run('rfm-champions', []).reason[0]).toEqual({
      condition: 'rfm.segment = "champions"',
      actual: null,
      result: false,
    });
  });

  it('leads scoring above a threshold', () => {
    const views = (daysAgo: number) => Array.from({ length: 8 }, () => ev('Product Viewed', daysAgo));
    expect(run('hot-leads', views(0))).toEqual({
      member: true,
      reason: [
        { condition: 'lifecycleStage = "prospect"', actual: 'prospect', result: true },
        { condition: 'leadScore > 20', actual: 24, result: true },
      ],
    });
    expect(member('hot-leads', [...views(0), order(3)])).toBe(false);
    expect(run('hot-leads', views(60)).reason[1]?.actual).toBe(6);
    expect(member('hot-leads', [...views(0).slice(0, 7)])).toBe(true);
    expect(member('hot-leads', [...views(0).slice(0, 6), ev('Page Viewed', 0), ev('Page Viewed', 0)])).toBe(
      false,
    );
  });
});
