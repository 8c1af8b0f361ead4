import { COMPUTED_TRAITS, DAY_MS, SEED_SEGMENTS, traitsConfig, type Rule } from '@cdp/domain';
import { COMPUTED_TRAITS_SQL, computedTraitSql } from './computed-trait.sql';
import { splitInterval } from './query-plan';
import { compileSegmentQuery, emptyProfileMatches } from './segment-query.compiler';
import { num } from './sql-expr';

const NOW = Date.UTC(2026, 10, 20, 15, 30, 12, 345);
const compile = (rule: Rule, extra: Partial<Parameters<typeof compileSegmentQuery>[1]> = {}): string =>
  compileSegmentQuery(rule, { database: 'cdp', now: NOW, segmentSql: () => 'SELECT 1', ...extra });

/** The string literals of a ClickHouse statement, decoded (quotes, backslash escapes). */
function literals(statement: string): { values: string[]; outside: string } {
  const values: string[] = [];
  let outside = '';
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', b: '\b', f: '\f' };
  for (let i = 0; i < statement.length; i += 1) {
    if (statement[i] !== "'") {
      outside += statement[i];
      continue;
    }
    let value = '';
    for (i += 1; statement[i] !== "'"; i += 1) {
      if (i >= statement.length) throw new Error('unterminated literal');
      if (statement[i] === '\\') {
        i += 1;
        value += escapes[statement[i]] ?? statement[i];
      } else value += statement[i];
    }
    values.push(value);
    outside += "''";
  }
  return { values, outside };
}

describe('compileSegmentQuery', () => {
  it('returns one SELECT of profile_id: a fact stream resolved through profile_survivors and grouped by person', () => {
    const q = compile({ event: 'Order Completed', within: { days: 180 }, count: { gte: 3 } });
    expect(q).toMatch(
      /^SELECT profile_id FROM \(SELECT if\(survivor_id = '', original_profile_id, survivor_id\) AS profile_id/,
    );
    expect(q).toContain(
      'ANY LEFT JOIN (SELECT absorbed_id AS original_profile_id, survivor_id FROM cdp.profile_survivors) AS s USING original_profile_id',
    );
    expect(q).toContain('GROUP BY profile_id) WHERE (p0 >= 3)');
    // whole UTC days from the daily aggregate, the two partial days from raw events
    expect(q).toContain(
      "FROM cdp.profile_event_daily WHERE ((name = 'Order Completed') AND (day >= toDate('2026-05-25') AND day <= toDate('2026-11-19')))",
    );
    const from = NOW - 180 * DAY_MS + 1;
    expect(q).toContain(`(ms >= ${from} AND ms <= ${Math.ceil(from / DAY_MS) * DAY_MS - 1})`);
    expect(q).toContain(`(ms >= ${Math.floor(NOW / DAY_MS) * DAY_MS} AND ms <= ${NOW})`);
    expect(q).not.toContain('profile_traits_latest');
    expect(q).not.toContain('k = 3'); // a profile without orders cannot match
  });

  it('reads raw events for where filters, and the category column when it is exact', () => {
    const q = compile({
      event: 'Product Viewed',
      where: [
        { property: 'category', op: 'eq', value: 'shoes' },
        { property: 'topics', op: 'contains', value: 'skincare' },
      ],
      within: { days: 14 },
    });
    expect(q).not.toContain('profile_event_daily');
    expect(q).toContain("category = 'shoes'");
    expect(q).toContain('extractAll(properties'); // topics: the top-level member of properties, typed
    expect(q).toMatch(
      /sumIf\(n, \(k = 1 AND \(name = 'Product Viewed'\) AND \(ms >= \d+ AND ms <= \d+\) AND r0 = 1\)\)/,
    );
  });

  it('binds every value through the escaper: quotes, backslashes and control characters never leave their literal', () => {
    const nasty = `O'Brien \\ "x"\n'); DROP TABLE cdp.events; --`;
    const rule: Rule = {
      all: [
        { trait: 'nick', op: 'eq', value: nasty },
        { trait: 'nick', op: 'startsWith', value: nasty },
        { event: nasty, where: [{ property: nasty, op: 'contains', value: nasty }] },
        { trait: 'acquisitionSource', op: 'in', value: [nasty, 'x'] },
      ],
    };
    const q = compileSegmentQuery(rule, { database: 'cdp', now: NOW, profileIds: [nasty, 'p-1'] });
    const { values, outside } = literals(q);
    expect(values).toContain(nasty);
    expect(values).toContain(JSON.stringify(nasty)); // the property key token and the array element token
    expect(outside).not.toContain('DROP TABLE');
    expect(outside).not.toContain('Brien');
    expect(q).toContain(`'O\\'Brien \\\\ "x"\\n\\'); DROP TABLE cdp.events; --'`);
  });

  it('quotes a database name that is not a plain identifier', () => {
    const q = compileSegmentQuery(
      { trait: 'country', op: 'eq', value: 'CN' },
      { database: 'cdp-test`x', now: NOW },
    );
    expect(q).toContain('FROM `cdp-test\\`x`.profile_traits_latest');
  });

  it('restricts to profile ids on the leading key, including the profiles they absorbed', () => {
    const q = compile({ trait: 'country', op: 'eq', value: 'CN' }, { profileIds: ["p-'1", 'p-2'] });
    expect(q).toContain(
      "(profile_id IN ('p-\\'1', 'p-2') OR profile_id IN (SELECT absorbed_id FROM cdp.profile_survivors WHERE survivor_id IN ('p-\\'1', 'p-2')))",
    );
    expect(q).toContain("AND profile_id IN ('p-\\'1', 'p-2')");
    expect(compile({ trait: 'country', op: 'eq', value: 'CN' }, { profileIds: [] })).toBe(
      "SELECT '' AS profile_id WHERE 0",
    );
  });

  it('reads every profile id when a profile without rows can match (not, count eq 0, notExists)', () => {
    for (const rule of [
      { not: { trait: 'country', op: 'eq', value: 'CN' } },
      { event: 'Order Completed', within: { days: 1 }, count: { eq: 0 } },
      { trait: 'email', op: 'notExists' },
      { inSegment: 'vip' },
    ] as Rule[]) {
      const q = compile(rule);
      expect(q).toContain('SELECT DISTINCT profile_id AS original_profile_id FROM cdp.profile_event_daily');
      expect(q).toContain('SELECT DISTINCT profile_id AS original_profile_id FROM cdp.profile_traits_latest');
    }
  });

  it('compiles inSegment to the given subquery and refuses it without one', () => {
    expect(
      compile({ inSegment: 'vip' }, { segmentSql: (id) => `SELECT profile_id FROM members_${id}` }),
    ).toContain('(profile_id IN (SELECT profile_id FROM members_vip))');
    expect(() => compileSegmentQuery({ inSegment: 'vip' }, { database: 'cdp', now: NOW })).toThrow(
      /segmentSql/,
    );
  });

  it('compiles every seed segment and every computed trait', () => {
    for (const segment of SEED_SEGMENTS) expect(compile(segment.rule)).toMatch(/^SELECT profile_id FROM/);
    expect(COMPUTED_TRAITS_SQL.map((t) => t.name).sort()).toEqual(COMPUTED_TRAITS.map((t) => t.name).sort());
    for (const t of COMPUTED_TRAITS) {
      expect(computedTraitSql(t.name)?.definition).toBeTruthy();
      expect(compile({ trait: t.name, op: 'exists' })).toMatch(/^SELECT profile_id FROM/);
    }
  });

  it('follows the traits configuration', () => {
    const config = traitsConfig({ currency: 'CNY', lifecycle: { churnDays: 30 } });
    const q = compile({ trait: 'lifecycleStage', op: 'eq', value: 'churned' }, { traitsConfig: config });
    expect(compile({ trait: 'totalRevenue', op: 'gt', value: 5 }, { traitsConfig: config })).toContain(
      "if(currency = '' OR currency = 'CNY', rev, 0)",
    );
    const churnFrom = Math.floor(NOW - 30 * DAY_MS) + 1;
    expect(q).toContain(`ms >= ${churnFrom}`);
  });

  it('compares identify traits without coercion', () => {
    const q = compile({ trait: 'score', op: 'gt', value: 2 });
    // only a number-typed value is ordered; the string "3" is not
    expect(q).toContain(`if(p1 = 'json' AND p0 = 'null', '', p1) = 'number'`);
    expect(compile({ trait: 'score', op: 'eq', value: '3' })).toContain("= 'string'");
  });
});

describe('splitInterval', () => {
  const day = (d: number): number => d * DAY_MS;
  it('splits into whole UTC days and the partial days at the ends', () => {
    expect(splitInterval({ from: day(10) + 5, to: day(20) + 7 })).toEqual({
      days: { first: 11, last: 19 },
      raw: [
        { from: day(10) + 5, to: day(11) - 1 },
        { from: day(20), to: day(20) + 7 },
      ],
    });
    expect(splitInterval({ from: day(10), to: day(13) - 1 })).toEqual({
      days: { first: 10, last: 12 },
      raw: [],
    });
    expect(splitInterval({ from: null, to: day(5) + 1 })).toEqual({
      days: { first: null, last: 4 },
      raw: [{ from: day(5), to: day(5) + 1 }],
    });
    expect(splitInterval({ from: day(3) + 1, to: day(4) + 5 })).toEqual({
      raw: [{ from: day(3) + 1, to: day(4) + 5 }],
    });
  });
});

describe('number literals', () => {
  it('are exact: parenthesised when negative, IEEE bytes when subnormal', () => {
    expect(num(3).text).toBe('3');
    expect(num(-2.5).text).toBe('(-2.5)');
    expect(num(5e-324).text).toBe("reinterpretAsFloat64(unhex('0100000000000000'))");
    expect(() => num(Number.NaN)).toThrow(TypeError);
  });
});

describe('emptyProfileMatches', () => {
  it('evaluates a profile with no events and no traits, segments unknown', () => {
    expect(emptyProfileMatches({ event: 'Order Completed' }, NOW, traitsConfig())).toBe(false);
    expect(emptyProfileMatches({ not: { event: 'Order Completed' } }, NOW, traitsConfig())).toBe(true);
    expect(
      emptyProfileMatches({ trait: 'lifecycleStage', op: 'eq', value: 'prospect' }, NOW, traitsConfig()),
    ).toBe(true);
    expect(emptyProfileMatches({ inSegment: 'vip' }, NOW, traitsConfig())).toBeUndefined();
    expect(
      emptyProfileMatches(
        { all: [{ inSegment: 'vip' }, { trait: 'country', op: 'exists' }] },
        NOW,
        traitsConfig(),
      ),
    ).toBe(false);
  });
});
