import { asEpochMs, asProfileId } from '../brand';
import type { FieldProblem } from '../step-result';
import { randomHistory, randomNow, randomRule } from './random-rule.generator';
import { evaluate } from './rule.evaluator';
import { validateRule, type RuleValidationContext } from './rule.validator';
import { SeededRandom } from './seeded-random';

const problemsOf = (input: unknown, ctx: RuleValidationContext = {}): FieldProblem[] => {
  const result = validateRule(input, ctx);
  return result.ok ? [] : result.problems;
};
const pathsOf = (input: unknown, ctx: RuleValidationContext = {}) =>
  problemsOf(input, ctx).map((p) => p.path);

describe('validateRule: valid rules', () => {
  const valid: unknown[] = [
    {
      all: [
        { event: 'Order Completed', within: { days: 180 }, count: { gte: 3 } },
        { trait: 'country', op: 'in', value: ['CN', 'SG'] },
      ],
    },
    { any: [{ inSegment: 'vip' }, { not: { trait: 'email', op: 'exists' } }] },
    {
      event: 'Product Viewed',
      source: 'web',
      where: [{ property: 'category', op: 'eq', value: 'skincare' }],
      within: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' },
      count: { between: [3, 5] },
    },
    { event: 'Order Completed', within: { hours: 36 }, sum: { property: 'revenue', gt: 99.5 } },
    { event: 'Order Completed', lastSeen: { olderThan: { days: 90 } } },
    { event: 'Product Added', firstSeen: { newerThan: { hours: 1.5 } } },
    { event: 'Order Completed', count: { eq: 0 } },
    { trait: 'age', op: 'between', value: [25, 34] },
    { trait: 'signupAt', op: 'gte', value: '2026-01-01' },
    { trait: 'rfm.r', op: 'gte', value: 4 },
    { trait: 'lifecycleStage', op: 'notIn', value: ['prospect', 'churned'] },
    { trait: 'lastSeenAt', op: 'between', value: ['2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z'] },
    { trait: 'acquisitionSource', op: 'startsWith', value: 'wei' },
    { trait: 'address.city', op: 'eq', value: 'Shanghai' },
    { trait: 'vip', op: 'eq', value: true },
  ];

  it('accepts every form of the grammar and round-trips it through JSON unchanged', () => {
    for (const input of valid) {
      const result = validateRule(input);
      expect(result).toEqual({ ok: true, rule: input });
      if (result.ok) {
        expect(JSON.parse(JSON.stringify(result.rule))).toEqual(input);
        expect(result.rule).not.toBe(input);
      }
    }
  });

  it('accepts every random rule of the generator', () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const random = new SeededRandom(seed);
      const rule = randomRule(random, randomNow(random), 4);
      expect([seed, problemsOf(rule)]).toEqual([seed, []]);
    }
  });
});

describe('validateRule: problems', () => {
  it('reports every problem at once, each with its JSON path', () => {
    const input = {
      all: [
        { event: 'Order Completed', within: { days: -3 }, count: { gte: 'three' } },
        { trait: 'age', op: 'between', value: [25] },
        { trait: 'country', op: 'like', value: 'C%' },
        { event: 'Page Viewed', count: { gteq: 1 }, extra: true },
        { any: [] },
      ],
    };
    expect(problemsOf(input)).toEqual([
      { path: '$.all[0].within.days', message: 'must not be negative' },
      { path: '$.all[0].count.gte', message: 'must be a non-negative integer' },
      { path: '$.all[1].value', message: 'between needs two bounds [lo, hi]' },
      {
        path: '$.all[2].op',
        message:
          'unknown operator "like"; expected one of eq, neq, gt, gte, lt, lte, in, notIn, contains, startsWith, between, exists, notExists',
      },
      { path: '$.all[3].extra', message: expect.stringContaining('unknown key "extra"') as unknown },
      {
        path: '$.all[3].count.gteq',
        message: 'unknown operator "gteq"; expected one of eq, neq, gt, gte, lt, lte, between',
      },
      { path: '$.all[3].count', message: 'needs one operator: eq, neq, gt, gte, lt, lte, between' },
      { path: '$.all[4].any', message: 'must not be empty' },
    ]);
  });

  it('rejects non-rules and ambiguous rules', () => {
    expect(problemsOf(null)).toEqual([
      { path: '$', message: expect.stringContaining('must be a rule object') as unknown },
    ]);
    expect(pathsOf([])).toEqual(['$']);
    expect(problemsOf({})[0]?.message).toContain('(it is empty)');
    expect(problemsOf({ foo: 1 })[0]?.message).toContain('found "foo"');
    expect(problemsOf({ trait: 'a', op: 'exists', event: 'X' })[0]?.message).toBe(
      'must have only one of trait, event; combine conditions with all or any',
    );
    expect(pathsOf({ all: 'x' })).toEqual(['$.all']);
    expect(pathsOf({ not: [] })).toEqual(['$.not']);
  });

  it('checks trait operator values', () => {
    const cases: [unknown, string, string][] = [
      [{ trait: 'a', op: 'eq' }, '$.value', 'is required for eq'],
      [{ trait: 'a', op: 'eq', value: null }, '$.value', 'must be a string, number or boolean for eq'],
      [{ trait: 'a', op: 'eq', value: [1] }, '$.value', 'must be a string, number or boolean for eq'],
      [{ trait: 'a', op: 'gt', value: 'big' }, '$.value', 'must be a number or an ISO 8601 date-time for gt'],
      [
        { trait: 'a', op: 'in', value: [] },
        '$.value',
        'must be a non-empty array of strings, numbers or booleans for in',
      ],
      [{ trait: 'a', op: 'in', value: ['x', {}] }, '$.value[1]', 'must be a string, number or boolean'],
      [{ trait: 'a', op: 'startsWith', value: 1 }, '$.value', 'must be a string for startsWith'],
      [{ trait: 'a', op: 'between', value: [1, 2, 3] }, '$.value', 'between needs two bounds [lo, hi]'],
      [{ trait: 'a', op: 'between', value: 5 }, '$.value', 'between needs two bounds [lo, hi]'],
      [
        { trait: 'a', op: 'between', value: [5, 1] },
        '$.value',
        'the lower bound must not be greater than the upper bound',
      ],
      [
        { trait: 'a', op: 'between', value: [1, '2026-01-01'] },
        '$.value',
        'both bounds must be numbers, or both ISO 8601 date-times',
      ],
      [
        { trait: 'a', op: 'between', value: [1, 'x'] },
        '$.value[1]',
        'must be a number or an ISO 8601 date-time',
      ],
      [{ trait: 'a', op: 'exists', value: 1 }, '$.value', 'exists takes no value'],
      [{ trait: 'a' }, '$.op', expect.stringContaining('is required')],
      [{ trait: 'a', op: 7, value: 1 }, '$.op', expect.stringContaining('unknown operator 7')],
      [{ trait: '', op: 'exists' }, '$.trait', 'must be a non-empty trait name'],
      [{ trait: 'a b', op: 'exists' }, '$.trait', expect.stringContaining('must be a trait name')],
      [{ trait: 'x'.repeat(201), op: 'exists' }, '$.trait', 'must be at most 200 characters'],
    ];
    for (const [input, path, message] of cases)
      expect([input, problemsOf(input)]).toEqual([input, [{ path, message }]]);
  });

  it('checks values against computed traits', () => {
    expect(problemsOf({ trait: 'lifecycleStage', op: 'eq', value: 'loyl' })).toEqual([
      {
        path: '$.value',
        message:
          'unknown value "loyl" for lifecycleStage; expected one of prospect, new, active, loyal, churned',
      },
    ]);
    expect(pathsOf({ trait: 'lifecycleStage', op: 'in', value: ['new', 'old'] })).toEqual(['$.value[1]']);
    expect(problemsOf({ trait: 'lifecycleStage', op: 'gt', value: 3 })[0]?.message).toBe(
      'gt does not apply to lifecycleStage (text); use eq, neq, in or notIn',
    );
    expect(problemsOf({ trait: 'leadScore', op: 'eq', value: '5' })[0]?.message).toBe(
      'must be a number: leadScore is a number',
    );
    expect(problemsOf({ trait: 'orderCount', op: 'contains', value: 1 })[0]?.message).toBe(
      'contains does not apply to orderCount (a number)',
    );
    expect(problemsOf({ trait: 'lastSeenAt', op: 'gt', value: 5 })[0]?.message).toBe(
      'must be an ISO 8601 date-time: lastSeenAt is an instant',
    );
  });

  it('checks known traits when given; computed traits are always known', () => {
    const knownTraits = new Set(['country', 'age']);
    expect(problemsOf({ trait: 'country', op: 'exists' }, { knownTraits })).toEqual([]);
    expect(problemsOf({ trait: 'rfm.m', op: 'gte', value: 2 }, { knownTraits })).toEqual([]);
    expect(problemsOf({ trait: 'contry', op: 'exists' }, { knownTraits })[0]?.message).toMatch(
      /^unknown trait "contry": neither an identify trait seen so far nor a computed trait \(lifecycleStage, /,
    );
    expect(problemsOf({ trait: 'rfm', op: 'exists' }, { knownTraits })[0]?.message).toBe(
      'unknown trait "rfm"; use rfm.r, rfm.f, rfm.m, rfm.segment',
    );
    expect(problemsOf({ trait: 'plan', op: 'exists' }, { knownTraits: (n) => n.startsWith('pl') })).toEqual(
      [],
    );
    expect(problemsOf({ trait: 'contry', op: 'exists' })).toEqual([]);
  });

  it('checks event conditions', () => {
    const cases: [unknown, string[]][] = [
      [{ event: '' }, ['$.event']],
      [{ event: 'X', source: 'email' }, ['$.source']],
      [{ event: 'X', where: {} }, ['$.where']],
      [
        { event: 'X', where: [{ property: 'a', op: 'eq', value: 1, x: 1 }, 3, { op: 'eq', value: 1 }] },
        ['$.where[0].x', '$.where[1]', '$.where[2].property'],
      ],
      [{ event: 'X', within: { days: 0 } }, ['$.within.days']],
      [{ event: 'X', within: { days: '7' } }, ['$.within.days']],
      [{ event: 'X', within: { days: 40000 } }, ['$.within.days']],
      [{ event: 'X', within: { weeks: 1 } }, ['$.within.weeks', '$.within']],
      [{ event: 'X', within: { days: 1, hours: 2 } }, ['$.within']],
      [{ event: 'X', within: { from: '2026-01-01' } }, ['$.within.to']],
      [{ event: 'X', within: { from: '2026-02-01', to: '2026-01-01' } }, ['$.within']],
      [
        { event: 'X', within: { from: 'yesterday', to: '2026-01-01', days: 1 } },
        ['$.within.days', '$.within.from'],
      ],
      [{ event: 'X', within: 7 }, ['$.within']],
      [{ event: 'X', count: { gte: 1 }, sum: { property: 'revenue', gte: 1 } }, ['$']],
      [{ event: 'X', count: { gte: 1, lte: 3 } }, ['$.count']],
      [{ event: 'X', count: { gte: 1.5 } }, ['$.count.gte']],
      [{ event: 'X', count: { between: [3, 1] } }, ['$.count.between']],
      [{ event: 'X', count: 3 }, ['$.count']],
      [{ event: 'X', sum: { gte: 1 } }, ['$.sum.property']],
      [{ event: 'X', sum: { property: 'revenue', gte: -5 } }, []],
      [{ event: 'X', lastSeen: { olderThan: { days: -1 } } }, ['$.lastSeen.olderThan.days']],
      [{ event: 'X', lastSeen: { olderThan: { days: 1 }, newerThan: { days: 2 } } }, ['$.lastSeen']],
      [{ event: 'X', firstSeen: {} }, ['$.firstSeen']],
      [{ event: 'X', firstSeen: { since: { days: 1 } } }, ['$.firstSeen.since', '$.firstSeen']],
    ];
    for (const [input, paths] of cases) expect([input, pathsOf(input)]).toEqual([input, paths]);
  });

  it('limits nesting depth (root = level 1), default 8', () => {
    let deep: unknown = { inSegment: 'x' };
    for (let i = 0; i < 7; i += 1) deep = { not: deep };
    expect(problemsOf(deep)).toEqual([]);
    expect(problemsOf({ all: [deep] })).toEqual([
      {
        path: '$.all[0].not.not.not.not.not.not.not',
        message: 'nesting is deeper than the limit of 8 levels',
      },
    ]);
    expect(pathsOf({ any: [{ all: [{ inSegment: 'x' }] }] }, { maxDepth: 2 })).toEqual(['$.any[0].all[0]']);
    let veryDeep: unknown = { inSegment: 'x' };
    for (let i = 0; i < 100_000; i += 1) veryDeep = { not: veryDeep };
    expect(problemsOf(veryDeep, { maxDepth: 1_000_000 })).toHaveLength(1);
  });

  it('rejects references to the segment itself and cycles through stored segments', () => {
    const stored: Record<string, unknown> = {
      a: { inSegment: 'b' },
      b: { any: [{ not: { inSegment: 'self' } }] },
      c: { trait: 'country', op: 'eq', value: 'CN' },
      d: { inSegment: 'e' },
      e: { all: [{ inSegment: 'd' }] },
    };
    const ctx: RuleValidationContext = { selfId: 'self', segments: (id) => stored[id] };
    expect(problemsOf({ inSegment: 'self' }, ctx)).toEqual([
      { path: '$.inSegment', message: 'refers to the segment itself ("self")' },
    ]);
    expect(problemsOf({ all: [{ inSegment: 'c' }, { inSegment: 'a' }] }, ctx)).toEqual([
      { path: '$.all[1].inSegment', message: 'cyclic segment reference: self -> a -> b -> self' },
    ]);
    expect(problemsOf({ inSegment: 'd' }, ctx)).toEqual([
      { path: '$.inSegment', message: 'refers to segment "d", which is in a reference cycle: d -> e -> d' },
    ]);
    expect(problemsOf({ inSegment: 'zz' }, ctx)).toEqual([
      { path: '$.inSegment', message: 'unknown segment "zz"' },
    ]);
    expect(problemsOf({ inSegment: 'zz' }, { selfId: 'self' })).toEqual([]);
    expect(problemsOf({ inSegment: 3 })).toEqual([
      { path: '$.inSegment', message: 'must be a non-empty segment id' },
    ]);
  });

  it('quotes keys that are not identifiers in paths', () => {
    expect(pathsOf({ event: 'X', 'bad key': 1, __proto__x: 2 })).toEqual(['$["bad key"]', '$.__proto__x']);
    expect(pathsOf(JSON.parse('{"trait":"a","op":"exists","__proto__":{"x":1}}'))).toEqual(['$.__proto__']);
    expect(pathsOf({ trait: 'a', op: 'exists', constructor: 1, toString: 2 })).toEqual([
      '$.constructor',
      '$.toString',
    ]);
  });
});

/** Random JSON leaning on the grammar's own keys and values, so the fuzz reaches deep paths. */
function randomJson(random: SeededRandom, depth: number): unknown {
  const keys = [
    'all',
    'any',
    'not',
    'trait',
    'op',
    'value',
    'event',
    'source',
    'where',
    'property',
    'within',
    'days',
    'hours',
    'from',
    'to',
    'count',
    'sum',
    'lastSeen',
    'firstSeen',
    'olderThan',
    'newerThan',
    'inSegment',
    'gte',
    'eq',
    'between',
    'in',
    '__proto__',
    'constructor',
    'toString',
    'x y',
  ];
  const scalars: unknown[] = [
    null,
    true,
    false,
    0,
    -1,
    1.5,
    3,
    1e308,
    -0,
    '',
    'eq',
    'in',
    'between',
    'exists',
    'gte',
    'country',
    'lifecycleStage',
    'rfm.r',
    'Order Completed',
    'web',
    '2026-01-01T00:00:00Z',
    'not-a-date',
    'self',
    'a',
  ];
  const roll = random.next();
  if (depth <= 0 || roll < 0.35) return random.pick(scalars);
  if (roll < 0.55) return Array.from({ length: random.int(0, 3) }, () => randomJson(random, depth - 1));
  const out: Record<string, unknown> = {};
  for (let i = random.int(0, 4); i > 0; i -= 1) out[random.pick(keys)] = randomJson(random, depth - 1);
  return out;
}

/** Replaces one random node of a JSON value with random JSON. */
function mutate(random: SeededRandom, value: unknown, depth = 0): unknown {
  if (random.chance(0.25) || depth > 6) return randomJson(random, 3);
  if (Array.isArray(value) && value.length > 0) {
    const items: unknown[] = value;
    const i = random.int(0, items.length - 1);
    return items.map((v, j) => (j === i ? mutate(random, v, depth + 1) : v));
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return randomJson(random, 3);
    const i = random.int(0, entries.length - 1);
    return Object.fromEntries(entries.map(([k, v], j) => [k, j === i ? mutate(random, v, depth + 1) : v]));
  }
  return randomJson(random, 3);
}

describe('validateRule: fuzz', () => {
  const segments = (id: string): unknown =>
    id === 'a' ? { inSegment: 'self' } : id === 'country' ? {} : undefined;
  const ctx: RuleValidationContext = { selfId: 'self', segments, knownTraits: new Set(['country']) };
  const now = asEpochMs(Date.UTC(2026, 10, 1));

  function check(input: unknown, seed: number): void {
    const result = validateRule(input, ctx);
    if (result.ok) {
      expect(JSON.parse(JSON.stringify(result.rule))).toEqual(JSON.parse(JSON.stringify(input)));
      const random = new SeededRandom(seed);
      const snapshot = {
        profileId: asProfileId('p'),
        traits: { country: 'CN' },
        events: randomHistory(random, now),
      };
      expect(() => evaluate(result.rule, snapshot, now)).not.toThrow();
    } else {
      expect(result.problems.length).toBeGreaterThan(0);
      for (const p of result.problems) {
        expect(p.path.startsWith('$')).toBe(true);
        expect(typeof p.message).toBe('string');
        expect(p.message.length).toBeGreaterThan(0);
      }
    }
  }

  it('never throws on random JSON', () => {
    for (let seed = 1; seed <= 400; seed += 1) check(randomJson(new SeededRandom(seed), 6), seed);
  });

  it('never throws on valid rules with one node replaced', () => {
    let invalid = 0;
    for (let seed = 1; seed <= 400; seed += 1) {
      const random = new SeededRandom(seed);
      const input = mutate(random, randomRule(random, randomNow(random), 3));
      if (!validateRule(input, ctx).ok) invalid += 1;
      check(input, seed);
    }
    expect(invalid).toBeGreaterThan(200);
  });
});
