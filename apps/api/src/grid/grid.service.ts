import { ClickHouseClient, raw, sql, type SqlFragment } from '@cdp/clickhouse';
import { computedTraitNamed, validateRule, type Rule } from '@cdp/domain';
import type { SegmentDefinition } from '@cdp/domain/segments';
import { Injectable } from '@nestjs/common';
import type { FieldProblem } from '../common/api-errors';
import { invalid, isObject, rulePaths } from '../common/http';
import { orderStatsByGroup } from '../common/order-stats';
import { RuleSql } from '../segments/rule-sql';
import { SegmentsService } from '../segments/segments.service';
import { bucketsOf, parseAxis, type DimensionPart } from './dimension';

/** Distinct values listed for an identify trait axis; the rest is `(other)`. */
const MAX_IDENTIFY_VALUES = 50;

interface Totals {
  key: string;
  count: number;
  converted: number;
  revenue: Record<string, number>;
}

export interface GridCell extends Totals {
  row: string;
  col: string;
  conversionRate: number;
}

export interface GridAnswer {
  rows: string;
  cols: string;
  rowKeys: string[];
  colKeys: string[];
  cells: GridCell[];
  rowTotals: Totals[];
  colTotals: Totals[];
  total: Totals;
  at: string;
}

/**
 * The segment grid: two axes of (bucketed) traits or computed traits; every bucket is a rule
 * compiled by the shared SQL compiler, so a cell is exactly the members of the rule
 * `all[row bucket rules..., column bucket rules..., filter]` (what POST /v1/grid/segment creates).
 */
@Injectable()
export class GridService {
  constructor(
    private readonly clickhouse: ClickHouseClient,
    private readonly ruleSql: RuleSql,
    private readonly segments: SegmentsService,
  ) {}

  async grid(rowsText: unknown, colsText: unknown, filterJson: unknown): Promise<GridAnswer> {
    const { rows, cols, filter } = await this.axes(rowsText, colsText, filterJson);
    const now = Date.now();
    const parts = [...rows, ...cols];
    const partSql = parts.map((p, i) => {
      const branches = p.buckets.map(
        (b) =>
          sql`SELECT profile_id, ${b.label} AS k${raw(String(i))} FROM (${raw(this.ruleSql.compile(b.rule, now))})`,
      );
      return raw(branches.map((b) => b.text).join(' UNION ALL '));
    });
    let joined: SqlFragment = sql`SELECT profile_id, k0 FROM (${partSql[0]})`;
    for (let i = 1; i < parts.length; i++) {
      const keys = Array.from({ length: i + 1 }, (_, j) => `k${j}`).join(', ');
      joined = raw(
        `SELECT profile_id, ${keys} FROM (${joined.text}) AS a ALL INNER JOIN (${partSql[i].text}) AS b USING profile_id`,
      );
    }
    if (filter)
      joined = raw(
        `SELECT * FROM (${joined.text}) WHERE profile_id IN (${this.ruleSql.compile(filter, now)})`,
      );
    const keyCols = parts.map((_, i) => `k${i}`);
    const stats = await orderStatsByGroup(this.clickhouse, joined, keyCols, undefined, now + 1000);
    const rowKeys = productLabels(rows);
    const colKeys = productLabels(cols);
    const cells = new Map<string, GridCell>();
    for (const [key, s] of stats) {
      const labels = key.split('\u0000');
      const row = labels.slice(0, rows.length).join('/');
      const col = labels.slice(rows.length).join('/');
      cells.set(`${row}\u0000${col}`, {
        key: `${row}|${col}`,
        row,
        col,
        count: s.profiles,
        converted: s.converted,
        conversionRate: rate(s.converted, s.profiles),
        revenue: s.revenue,
      });
    }
    const allCells: GridCell[] = [];
    for (const row of rowKeys) {
      for (const col of colKeys) {
        allCells.push(
          cells.get(`${row}\u0000${col}`) ?? {
            key: `${row}|${col}`,
            row,
            col,
            count: 0,
            converted: 0,
            conversionRate: 0,
            revenue: {},
          },
        );
      }
    }
    const sum = (key: string, of: GridCell[]): Totals => {
      const t: Totals = { key, count: 0, converted: 0, revenue: {} };
      for (const c of of) {
        t.count += c.count;
        t.converted += c.converted;
        for (const [cur, v] of Object.entries(c.revenue)) t.revenue[cur] = round2((t.revenue[cur] ?? 0) + v);
      }
      return t;
    };
    return {
      rows: String(rowsText),
      cols: String(colsText),
      rowKeys,
      colKeys,
      cells: allCells.map(({ key: _k, ...c }) => ({ key: `${c.row}|${c.col}`, ...c })),
      rowTotals: rowKeys.map((k) =>
        sum(
          k,
          allCells.filter((c) => c.row === k),
        ),
      ),
      colTotals: colKeys.map((k) =>
        sum(
          k,
          allCells.filter((c) => c.col === k),
        ),
      ),
      total: sum('total', allCells),
      at: new Date(now).toISOString(),
    };
  }

  /** A cell -> a segment definition (created). */
  async cellSegment(
    body: unknown,
  ): Promise<{ segment: SegmentDefinition; cell: { row: string; col: string } }> {
    if (!isObject(body)) throw invalid([{ path: 'body', message: 'must be a JSON object' }]);
    const problems: FieldProblem[] = [];
    for (const k of Object.keys(body)) {
      if (!['rows', 'cols', 'row', 'col', 'filter', 'id', 'name', 'description', 'status'].includes(k)) {
        problems.push({ path: k, message: 'is not a known field' });
      }
    }
    if (typeof body.row !== 'string')
      problems.push({ path: 'row', message: 'must be a row key of the grid' });
    if (typeof body.col !== 'string')
      problems.push({ path: 'col', message: 'must be a column key of the grid' });
    if (problems.length > 0) throw invalid(problems);
    const { rows, cols, filter } = await this.axes(
      body.rows,
      body.cols,
      body.filter,
      'rows',
      'cols',
      'filter',
    );
    const rowRules = pick(rows, body.row as string, 'row');
    const colRules = pick(cols, body.col as string, 'col');
    const rule = { all: [...rowRules, ...colRules, ...(filter ? [filter] : [])] } as Rule;
    const segment = await this.segments.create({
      id: body.id,
      name:
        body.name ?? `${String(body.rows)} ${String(body.row)} x ${String(body.cols)} ${String(body.col)}`,
      ...(body.description === undefined ? {} : { description: body.description }),
      status: body.status ?? 'active',
      rule,
    });
    return { segment, cell: { row: body.row as string, col: body.col as string } };
  }

  private async axes(
    rowsText: unknown,
    colsText: unknown,
    filterInput: unknown,
    rowsPath = 'rows',
    colsPath = 'cols',
    filterPath = 'filter',
  ): Promise<{ rows: DimensionPart[]; cols: DimensionPart[]; filter?: Rule }> {
    const problems: FieldProblem[] = [];
    const rows = await this.axis(rowsText, rowsPath, problems);
    const cols = await this.axis(colsText, colsPath, problems);
    let filter: Rule | undefined;
    if (filterInput !== undefined) {
      const checked = validateRule(filterInput);
      if (checked.ok) filter = checked.rule;
      else problems.push(...rulePaths(checked.problems, filterPath));
    }
    if (problems.length > 0) throw invalid(problems);
    return { rows, cols, ...(filter ? { filter } : {}) };
  }

  private async axis(text: unknown, path: string, problems: FieldProblem[]): Promise<DimensionPart[]> {
    const parsed = parseAxis(text, path);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      return [];
    }
    const out: DimensionPart[] = [];
    for (const p of parsed.parts) {
      const computed = computedTraitNamed(p.trait);
      let built: ReturnType<typeof bucketsOf>;
      if (p.breaks !== undefined) {
        if (!computed && !(await this.identifyTraitExists(p.trait))) {
          problems.push({
            path,
            message: `unknown dimension ${JSON.stringify(p.trait)}: not a computed trait nor a trait any profile has`,
          });
          continue;
        }
        built = bucketsOf({ trait: p.trait, kind: 'ranges', breaks: p.breaks }, path);
      } else if (computed?.values) {
        built = bucketsOf({ trait: p.trait, kind: 'enum', values: computed.values }, path);
      } else if (computed) {
        problems.push({
          path,
          message: `${p.trait} is a ${computed.type}: give ranges, e.g. ${p.trait}:${computed.type === 'datetime' ? '2026-01-01,2026-07-01' : '0,10,50'}`,
        });
        continue;
      } else {
        const values = await this.identifyValues(p.trait);
        if (values.length === 0) {
          problems.push({
            path,
            message: `unknown dimension ${JSON.stringify(p.trait)}: not a computed trait nor a trait any profile has`,
          });
          continue;
        }
        built = bucketsOf({ trait: p.trait, kind: 'enum', values }, path);
      }
      if (built.ok) out.push(built.part);
      else problems.push(...built.problems);
    }
    return out;
  }

  private async identifyTraitExists(trait: string): Promise<boolean> {
    const rows = await this.clickhouse.query(sql`SELECT 1 FROM trait_updates WHERE trait = ${trait} LIMIT 1`);
    return rows.length > 0;
  }

  /** The most frequent scalar values of an identify trait (latest value per profile). */
  private async identifyValues(trait: string): Promise<(string | number | boolean)[]> {
    const rows = await this.clickhouse.query<{ v: string; t: string }>(sql`
      SELECT v, t, count() AS n FROM (
        SELECT profile_id, argMaxMerge(latest_value) AS v, argMaxMerge(latest_value_type) AS t
        FROM profile_traits_latest WHERE trait = ${trait} GROUP BY profile_id)
      WHERE t IN ('string', 'number', 'boolean')
      GROUP BY v, t ORDER BY n DESC, v LIMIT ${MAX_IDENTIFY_VALUES}`);
    return rows.map((r) => (r.t === 'number' ? Number(r.v) : r.t === 'boolean' ? r.v === 'true' : r.v));
  }
}

/** Labels of an axis: the product of its parts' labels joined by '/'. */
function productLabels(parts: DimensionPart[]): string[] {
  let out = [''];
  for (const p of parts)
    out = out.flatMap((prefix) => p.buckets.map((b) => (prefix === '' ? b.label : `${prefix}/${b.label}`)));
  return out;
}

/** The rules of an axis key (`loyal/social`). */
function pick(parts: DimensionPart[], key: string, path: string): Rule[] {
  const labels = key.split('/');
  const rules: Rule[] = [];
  if (labels.length === parts.length) {
    for (let i = 0; i < parts.length; i++) {
      const bucket = parts[i].buckets.find((b) => b.label === labels[i]);
      if (!bucket) break;
      rules.push(bucket.rule);
    }
  }
  if (rules.length !== parts.length) {
    throw invalid([{ path, message: `must be one of ${productLabels(parts).join(', ')}` }]);
  }
  return rules;
}

const rate = (converted: number, count: number): number =>
  count === 0 ? 0 : Math.round((converted / count) * 10000) / 10000;
const round2 = (n: number): number => Math.round(n * 100) / 100;
