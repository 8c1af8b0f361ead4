import { comparisonOf, measureOf, ruleKind, type Rule } from './rule.model';

describe('rule model', () => {
  it('tells the kind of a rule by its key', () => {
    const rules: [Rule, string][] = [
      [{ all: [] }, 'all'],
      [{ any: [] }, 'any'],
      [{ not: { inSegment: 'x' } }, 'not'],
      [{ trait: 'country', op: 'eq', value: 'CN' }, 'trait'],
      [{ event: 'Page Viewed' }, 'event'],
      [{ inSegment: 'vip' }, 'inSegment'],
    ];
    for (const [rule, kind] of rules) expect(ruleKind(rule)).toBe(kind);
  });

  it('normalizes measures; absent means count >= 1', () => {
    expect(measureOf({ event: 'X' })).toEqual({ kind: 'count', comparison: { gte: 1 } });
    expect(measureOf({ event: 'X', count: { eq: 0 } })).toEqual({ kind: 'count', comparison: { eq: 0 } });
    expect(measureOf({ event: 'X', sum: { property: 'revenue', gt: 10 } })).toEqual({
      kind: 'sum',
      property: 'revenue',
      comparison: { gt: 10 },
    });
    expect(measureOf({ event: 'X', lastSeen: { olderThan: { days: 90 } } })).toEqual({
      kind: 'lastSeen',
      direction: 'olderThan',
      duration: { days: 90 },
    });
    expect(measureOf({ event: 'X', firstSeen: { newerThan: { hours: 2 } } })).toEqual({
      kind: 'firstSeen',
      direction: 'newerThan',
      duration: { hours: 2 },
    });
  });

  it('reads the operator of a comparison', () => {
    expect(comparisonOf({ lte: 4 })).toEqual({ op: 'lte', value: 4 });
    expect(comparisonOf({ eq: 0 })).toEqual({ op: 'eq', value: 0 });
    expect(comparisonOf({ between: [1, 2] })).toEqual({ op: 'between', value: [1, 2] });
  });
});
