import { sql } from '@cdp/clickhouse';
import { ACQUISITION_CHANNELS, LIFECYCLE_STAGES } from '@cdp/domain';
import type { SegmentEvent } from '@cdp/domain/segments';
import { ApiSegmenterSuite } from '../support/api-segmenter-suite';
import { ADMIN_TOKEN } from '../support/campaign-harness';
import { DEMO_PEOPLE, revenueOf, type DemoPerson } from '../support/demo-people';
import { brief, segmenterEnv } from '../segmenter/segmenter-harness';
import { eventually, uniqueSuffix } from '../support/test-env';

interface Totals {
  key: string;
  count: number;
  converted: number;
  revenue: Record<string, number>;
}

interface Grid {
  rowKeys: string[];
  colKeys: string[];
  cells: (Totals & { row: string; col: string })[];
  rowTotals: Totals[];
  colTotals: Totals[];
  total: Totals;
}

/** One grid as the test expects it: the row and column label of every demo person. */
interface Axes {
  rows: string;
  cols: string;
  rowOf(p: DemoPerson): string;
  colOf(p: DemoPerson): string;
}

const NONE = '(none)';

const BY_STAGE_AND_CHANNEL: Axes = {
  rows: 'lifecycleStage',
  cols: 'acquisitionChannel',
  rowOf: (p) => p.stage,
  colOf: (p) => p.channel,
};

/** A sub-dimension (computed x identify trait) against a bucketed number. */
const BY_STAGE_COUNTRY_AND_REVENUE: Axes = {
  rows: 'lifecycleStage/country',
  cols: 'totalRevenue:100,250',
  rowOf: (p) => `${p.stage}/${p.country ?? '(other)'}`,
  colOf: (p) => {
    const r = revenueOf(p);
    return r < 100 ? '<100' : r < 250 ? '100..250' : '>=250';
  },
};

const countBy = (keys: string[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
};

const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

/**
 * Issue 6 acceptance: a grid of lifecycleStage x acquisitionChannel on demo data sums to the
 * total profile count, and a segment created from a cell has exactly that cell's members
 * after the backfill by the real segmenter. The built api and the built segmenter share one
 * isolated database and set of topics holding the 56 demo people (tests/support/demo-people.ts,
 * two of them with a merged guest profile); the api publishes the definitions, the segmenter
 * backfills them and writes the transitions that the members endpoint reads.
 */
describe('api + segmenter: a segment from a grid cell has exactly the cell as members after backfill', () => {
  const suffix = uniqueSuffix();
  const env = segmenterEnv(suffix, { CDP_ADMIN_TOKEN: ADMIN_TOKEN });
  const suite = new ApiSegmenterSuite(env, suffix);
  const { segmentEvents, ch } = suite;

  beforeAll(() => suite.start(DEMO_PEOPLE));
  afterAll(() => suite.stop());

  /** GET /v1/grid and checks every cell, row, column and grand total against the demo people. */
  async function checkedGrid(axes: Axes): Promise<Grid> {
    const res = await suite.admin.request<Grid>(
      'GET',
      `/v1/grid?rows=${encodeURIComponent(axes.rows)}&cols=${encodeURIComponent(axes.cols)}`,
    );
    expect(res.status).toBe(200);
    const grid = res.body;
    const people = DEMO_PEOPLE.length;
    const cellKey = (row: string, col: string) => `${row} x ${col}`;

    // every cell holds exactly the people the fixture puts there (cells not listed are empty)
    const expected = countBy(DEMO_PEOPLE.map((p) => cellKey(axes.rowOf(p), axes.colOf(p))));
    const actual = new Map(
      grid.cells.filter((c) => c.count > 0).map((c) => [cellKey(c.row, c.col), c.count]),
    );
    expect(Object.fromEntries([...actual].sort())).toEqual(Object.fromEntries([...expected].sort()));
    expect(new Set(grid.cells.map((c) => cellKey(c.row, c.col))).size).toBe(
      grid.rowKeys.length * grid.colKeys.length,
    );

    // totals: each row and column total is the sum of its cells and its people; all are the population
    const rowPeople = countBy(DEMO_PEOPLE.map(axes.rowOf));
    const colPeople = countBy(DEMO_PEOPLE.map(axes.colOf));
    expect(grid.rowTotals.map((t) => t.key)).toEqual(grid.rowKeys);
    expect(grid.colTotals.map((t) => t.key)).toEqual(grid.colKeys);
    for (const t of grid.rowTotals) {
      const cells = grid.cells.filter((c) => c.row === t.key).reduce((s, c) => s + c.count, 0);
      expect({ row: t.key, count: t.count, cells }).toEqual({
        row: t.key,
        count: rowPeople.get(t.key) ?? 0,
        cells: rowPeople.get(t.key) ?? 0,
      });
    }
    for (const t of grid.colTotals) {
      const cells = grid.cells.filter((c) => c.col === t.key).reduce((s, c) => s + c.count, 0);
      expect({ col: t.key, count: t.count, cells }).toEqual({
        col: t.key,
        count: colPeople.get(t.key) ?? 0,
        cells: colPeople.get(t.key) ?? 0,
      });
    }
    expect(grid.rowTotals.reduce((s, t) => s + t.count, 0)).toBe(people);
    expect(grid.colTotals.reduce((s, t) => s + t.count, 0)).toBe(people);
    expect(grid.cells.reduce((s, c) => s + c.count, 0)).toBe(people);
    expect(grid.total.count).toBe(people);

    // every completed order is counted once (merged guest orders with their person)
    const buyers = DEMO_PEOPLE.filter((p) => revenueOf(p) > 0).length;
    const revenue = Math.round(DEMO_PEOPLE.reduce((s, p) => s + revenueOf(p), 0) * 100) / 100;
    expect({ converted: grid.total.converted, revenue: grid.total.revenue }).toEqual({
      converted: buyers,
      revenue: { USD: revenue },
    });
    return grid;
  }

  /** POST /v1/grid/segment for one cell; returns the ids of the people the fixture puts in it. */
  async function segmentFromCell(
    grid: Grid,
    axes: Axes,
    row: string,
    col: string,
    id: string,
  ): Promise<string[]> {
    const expected = sorted(
      DEMO_PEOPLE.filter((p) => axes.rowOf(p) === row && axes.colOf(p) === col).map((p) => p.profileId),
    );
    const cell = grid.cells.find((c) => c.row === row && c.col === col);
    expect(cell?.count).toBe(expected.length);
    // the cell's neighbours in its row and column are populated: a rule picking the wrong bucket shows
    expect(grid.cells.filter((c) => c.row === row && c.col !== col && c.count > 0).length).toBeGreaterThan(1);
    expect(grid.cells.filter((c) => c.col === col && c.row !== row && c.count > 0).length).toBeGreaterThan(1);

    const made = await suite.admin.request<{ segment: { id: string; version: number; status: string } }>(
      'POST',
      '/v1/grid/segment',
      { rows: axes.rows, cols: axes.cols, row, col, id },
    );
    expect(made.status).toBe(201);
    expect(made.body.segment).toMatchObject({ id, version: 1, status: 'active' });
    const stored = await suite.admin.request<{ id: string; version: number }>('GET', `/v1/segments/${id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ id, version: 1 });
    return expected;
  }

  async function members(id: string): Promise<string[]> {
    const res = await suite.admin.request<{ members: { profileId: string }[]; nextCursor?: string | null }>(
      'GET',
      `/v1/segments/${id}/members?limit=1000`,
    );
    expect(res.status).toBe(200);
    expect(res.body.nextCursor ?? null).toBeNull();
    return res.body.members.map((m) => m.profileId);
  }

  const eventsOf = (id: string): SegmentEvent[] => segmentEvents.matching((e) => e.segment.id === id);

  it('lifecycleStage x acquisitionChannel and lifecycleStage/country x totalRevenue: segments from cells backfill to exactly the cells', async () => {
    const started = Date.now();
    const main = await checkedGrid(BY_STAGE_AND_CHANNEL);
    expect(main.rowKeys).toEqual([...LIFECYCLE_STAGES, NONE]);
    expect(main.colKeys).toEqual([...ACQUISITION_CHANNELS, NONE]);
    // demo data, not a diagonal: most stage x channel cells hold several people
    expect(main.cells.filter((c) => c.count >= 2).length).toBeGreaterThanOrEqual(12);

    const sub = await checkedGrid(BY_STAGE_COUNTRY_AND_REVENUE);
    expect(sub.colKeys).toEqual(['<100', '100..250', '>=250', NONE]);
    expect(new Set(sub.rowKeys)).toEqual(
      new Set(
        [...LIFECYCLE_STAGES, NONE].flatMap((s) =>
          ['CN', 'SG', 'US', 'HK', '(other)'].map((c) => `${s}/${c}`),
        ),
      ),
    );

    const wanted = new Map<string, string[]>([
      [
        'grid-active-email',
        await segmentFromCell(main, BY_STAGE_AND_CHANNEL, 'active', 'email', 'grid-active-email'),
      ],
      [
        'grid-loyal-cn-100-250',
        await segmentFromCell(
          sub,
          BY_STAGE_COUNTRY_AND_REVENUE,
          'loyal/CN',
          '100..250',
          'grid-loyal-cn-100-250',
        ),
      ],
    ]);
    // the merged person (guest profile from the newsletter) and a boundary total (exactly 100) are in
    expect(wanted.get('grid-active-email')).toHaveLength(6);
    expect(wanted.get('grid-active-email')).toContain('d-27');
    expect(wanted.get('grid-loyal-cn-100-250')).toHaveLength(5);
    expect(wanted.get('grid-loyal-cn-100-250')).toEqual(expect.arrayContaining(['d-39', 'd-42']));

    // wait for both backfills (the api and the topic); when they fall short, the exact
    // comparisons below say who is missing or extra
    const complete = async (): Promise<boolean> => {
      for (const [id, ids] of wanted) {
        if (eventsOf(id).length < ids.length || (await members(id)).length < ids.length) return false;
      }
      return true;
    };
    const backfilled = await eventually(complete, 45000, 'the backfills').then(
      () => true,
      () => false,
    );
    if (!backfilled) {
      console.error(
        `backfill incomplete after 45 s\n${[...wanted.keys()]
          .map((id) => `${id}: ${eventsOf(id).map(brief).join(', ')}`)
          .join('\n')}\nsegmenter output:\n${suite.segmenterOutput().slice(-4000)}`,
      );
    }
    // settled: nothing more arrives (no late entries, no exits)
    await new Promise((r) => setTimeout(r, 2000));

    for (const [id, ids] of wanted) {
      // the members endpoint: exactly the cell's people, each once
      const listed = await members(id);
      expect({ id, members: listed }).toEqual({ id, members: ids });

      // the segment-events topic: one entry per person, caused by the definition, nothing else
      const events = eventsOf(id);
      expect({ id, events: sorted(events.map((e) => e.profileId)) }).toEqual({ id, events: ids });
      for (const e of events) {
        expect({
          id,
          event: brief(e),
          type: e.type,
          cause: e.cause.kind,
          version: e.segment.version,
        }).toEqual({
          id,
          event: brief(e),
          type: 'segment.entered',
          cause: 'definition',
          version: 1,
        });
      }

      // segment_transitions (what the members endpoint reads): the same entries, no exits
      const rows = await ch.query<{ profile_id: string; type: string; cause_kind: string }>(sql`
        SELECT profile_id, type, cause_kind FROM segment_transitions FINAL
        WHERE segment_id = ${id} ORDER BY profile_id`);
      expect({ id, rows }).toEqual({
        id,
        rows: ids.map((p) => ({ profile_id: p, type: 'segment.entered', cause_kind: 'definition' })),
      });
    }
    // absorbed guest profiles are never members of their own
    expect(segmentEvents.events.some((r) => r.event.profileId.startsWith('g-guest'))).toBe(false);
    expect(Date.now() - started).toBeLessThan(90000);
  });
});
