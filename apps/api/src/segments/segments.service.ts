import { ClickHouseClient, raw, sql, type SqlFragment } from '@cdp/clickhouse';
import { asEpochMs, evaluate, validateRule, type ReasonEntry, type Rule } from '@cdp/domain';
import { parseSegmentDefinition, type SegmentDefinition } from '@cdp/domain/segments';
import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-errors';
import { conflict, invalid, isObject, notFound, rulePaths } from '../common/http';
import { orderStatsByGroup } from '../common/order-stats';
import { ProfileDataRepository } from '../profiles/profile-data.repository';
import { RuleSql } from './rule-sql';
import { SegmentDefinitionsPublisher } from './segment-definitions.publisher';
import { SegmentsRepository } from './segments.repository';

const WRITABLE = new Set(['id', 'name', 'description', 'status', 'rule', 'exitOnArchive']);
/** Server-assigned fields: accepted in a body (a GET result can be sent back) and ignored. */
const SERVER_FIELDS = new Set(['version', 'createdAt', 'updatedAt']);

export interface PreviewAnswer {
  count: number;
  sample: { profileId: string; member: boolean; reason: ReasonEntry[] }[];
  at: string;
  /** For an edit of an existing segment: members now, and how many would enter and exit. */
  change?: { segmentId: string; version: number; currentMembers: number; entering: number; exiting: number };
}

export interface PerformanceGroup {
  group: 'members' | 'nonMembers' | 'holdout' | 'treated';
  profiles: number;
  converted: number;
  conversionRate: number;
  revenue: Record<string, number>;
  revenuePerProfile: Record<string, number>;
}

export interface PerformanceAnswer {
  segmentId: string;
  from: string;
  to: string;
  groups: PerformanceGroup[];
  /** null when the campaign tables are missing or no campaign of this segment held anyone out. */
  holdout: PerformanceGroup | null;
}

@Injectable()
export class SegmentsService {
  constructor(
    private readonly repo: SegmentsRepository,
    private readonly publisher: SegmentDefinitionsPublisher,
    private readonly ruleSql: RuleSql,
    private readonly profiles: ProfileDataRepository,
    private readonly clickhouse: ClickHouseClient,
  ) {}

  list(): Promise<SegmentDefinition[]> {
    return this.repo.list();
  }

  async get(id: string): Promise<SegmentDefinition> {
    const found = await this.repo.get(id);
    if (!found) throw notFound(`segment ${JSON.stringify(id)} does not exist`);
    return found;
  }

  async create(body: unknown): Promise<SegmentDefinition> {
    const fields = writableFields(body);
    const now = new Date().toISOString();
    const all = await this.rulesById();
    const definition = this.parse(
      { status: 'active', ...fields, version: 1, createdAt: now, updatedAt: now },
      all,
    );
    if (all.has(definition.id)) throw conflict(`segment ${JSON.stringify(definition.id)} already exists`);
    await this.store(definition);
    return definition;
  }

  async update(id: string, body: unknown): Promise<SegmentDefinition> {
    const fields = writableFields(body);
    if (fields.id !== undefined && fields.id !== id) {
      throw invalid([{ path: 'id', message: `must be the id in the path (${id}) or left out` }]);
    }
    const current = await this.get(id);
    const all = await this.rulesById();
    const { version: _v, createdAt: _c, updatedAt: _u, ...kept } = current;
    const definition = this.parse(
      {
        ...kept,
        ...fields,
        id,
        version: current.version + 1,
        createdAt: current.createdAt,
        updatedAt: laterThan(current.updatedAt),
      },
      all,
    );
    await this.store(definition);
    return definition;
  }

  async archive(id: string): Promise<SegmentDefinition> {
    const current = await this.get(id);
    if (current.status === 'archived') return current;
    const definition: SegmentDefinition = {
      ...current,
      status: 'archived',
      version: current.version + 1,
      updatedAt: laterThan(current.updatedAt),
    };
    await this.store(definition);
    return definition;
  }

  async preview(body: unknown): Promise<PreviewAnswer> {
    if (!isObject(body)) throw invalid([{ path: 'body', message: 'must be a JSON object' }]);
    const problems: { path: string; message: string }[] = [];
    for (const key of Object.keys(body)) {
      if (!['rule', 'id', 'sampleSize', 'at'].includes(key))
        problems.push({ path: key, message: 'is not a known field' });
    }
    const id = body.id;
    if (id !== undefined && typeof id !== 'string')
      problems.push({ path: 'id', message: 'must be a segment id' });
    const sampleSize = body.sampleSize ?? 10;
    if (
      typeof sampleSize !== 'number' ||
      !Number.isInteger(sampleSize) ||
      sampleSize < 0 ||
      sampleSize > 100
    ) {
      problems.push({ path: 'sampleSize', message: 'must be an integer from 0 to 100' });
    }
    const at = body.at === undefined ? Date.now() : typeof body.at === 'string' ? Date.parse(body.at) : NaN;
    if (!Number.isFinite(at)) problems.push({ path: 'at', message: 'must be an ISO 8601 date-time' });
    const all = await this.rulesById();
    const rule = validateRule(body.rule, {
      ...(typeof id === 'string' ? { selfId: id } : {}),
      segments: (s) => all.get(s),
    });
    if (!rule.ok) problems.push(...rulePaths(rule.problems, 'rule'));
    if (problems.length > 0 || !rule.ok) throw invalid(problems);
    const existing = typeof id === 'string' ? await this.repo.get(id) : undefined;
    if (typeof id === 'string' && !existing) throw notFound(`segment ${JSON.stringify(id)} does not exist`);

    const compiled = this.ruleSql.compile(rule.rule, at);
    const members = existing ? this.repo.membersSql(existing.id) : undefined;
    const [head] = await this.clickhouse.query<{ n: string; entering: string; sample: string[] }>(sql`
      SELECT count() AS n,
             ${members ? sql`countIf(profile_id NOT IN (${members}))` : raw('0')} AS entering,
             groupArray(${sampleSize as number})(profile_id) AS sample
      FROM (${raw(compiled)})`);
    const answer: PreviewAnswer = {
      count: Number(head?.n ?? 0),
      sample: [],
      at: new Date(at).toISOString(),
    };
    const sampleIds = [...(head?.sample ?? [])].sort();
    if (sampleIds.length > 0) {
      const snapshots = await this.profiles.snapshots(sampleIds, at);
      const current = await this.repo.currentSegmentsOf(sampleIds);
      for (const pid of sampleIds) {
        const snap = snapshots.get(pid);
        if (!snap) continue;
        const segments = new Set(current.filter((c) => c.profileId === pid).map((c) => c.segmentId));
        const ev = evaluate(rule.rule, { ...snap, segments }, asEpochMs(at), {
          traitsConfig: this.ruleSql.traitsConfig,
        });
        answer.sample.push({ profileId: pid, member: ev.member, reason: ev.reason });
      }
    }
    if (existing && members) {
      const [cur] = await this.clickhouse.query<{ n: string; exiting: string }>(sql`
        SELECT count() AS n, countIf(profile_id NOT IN (${raw(compiled)})) AS exiting FROM (${members})`);
      answer.change = {
        segmentId: existing.id,
        version: existing.version,
        currentMembers: Number(cur?.n ?? 0),
        entering: Number(head?.entering ?? 0),
        exiting: Number(cur?.exiting ?? 0),
      };
    }
    return answer;
  }

  async members(
    id: string,
    at: number | undefined,
    cursor: string | undefined,
    limit: number,
  ): Promise<{
    segmentId: string;
    at: string;
    members: { profileId: string; enteredAt: string; version: number }[];
    nextCursor: string | null;
  }> {
    await this.get(id);
    const after = cursor === undefined ? '' : decodeCursor(cursor, id);
    const rows = await this.repo.members(id, at, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      segmentId: id,
      at: new Date(at ?? Date.now()).toISOString(),
      members: page,
      nextCursor: rows.length > limit && last ? encodeCursor(id, last.profileId) : null,
    };
  }

  async history(
    id: string,
    from: number | undefined,
    to: number | undefined,
  ): Promise<{ segmentId: string; days: { day: string; entered: number; exited: number; size: number }[] }> {
    await this.get(id);
    const flow = await this.repo.dailyFlow(id);
    const byDay = new Map(flow.map((f) => [f.day, f]));
    const first = from ?? (flow[0] ? Date.parse(`${flow[0].day}T00:00:00Z`) : Date.now());
    const last = to ?? Date.now();
    if (last < first) throw invalid([{ path: 'to', message: 'must not be before from' }]);
    const startDay = Math.floor(first / 86400000);
    const endDay = Math.floor(last / 86400000);
    if (endDay - startDay > 3660)
      throw invalid([{ path: 'from', message: 'the range must be at most 10 years' }]);
    let size = 0;
    for (const f of flow)
      if (Date.parse(`${f.day}T00:00:00Z`) < startDay * 86400000) size += f.entered - f.exited;
    const days: { day: string; entered: number; exited: number; size: number }[] = [];
    for (let d = startDay; d <= endDay; d++) {
      const day = new Date(d * 86400000).toISOString().slice(0, 10);
      const f = byDay.get(day);
      size += (f?.entered ?? 0) - (f?.exited ?? 0);
      days.push({ day, entered: f?.entered ?? 0, exited: f?.exited ?? 0, size });
    }
    return { segmentId: id, days };
  }

  async performance(id: string, from: number, to: number): Promise<PerformanceAnswer> {
    await this.get(id);
    if (to <= from) throw invalid([{ path: 'to', message: 'must be after from' }]);
    const inPeriod = sql`profile_id IN (${this.repo.membersSql(id, from)})
      OR profile_id IN (SELECT profile_id FROM segment_transitions
                        WHERE segment_id = ${id} AND type = 'segment.entered'
                          AND occurred_at >= ${new Date(from)} AND occurred_at < ${new Date(to)})`;
    const universe = raw(`SELECT DISTINCT profile_id FROM (
        SELECT profile_id FROM profile_event_daily_resolved UNION ALL SELECT profile_id FROM profile_traits_current)`);
    const rows = await this.groupStats(
      sql`SELECT profile_id, if(${inPeriod}, 'members', 'nonMembers') AS g FROM (${universe})`,
      from,
      to,
    );
    const groups = (['members', 'nonMembers'] as const).map((g) => rows.get(g) ?? emptyGroup(g));
    let holdout: PerformanceGroup | null = null;
    const tables = await this.clickhouse.query<{ name: string }>(
      sql`SELECT name FROM system.tables WHERE database = ${this.clickhouse.database} AND name = 'campaign_deliveries'`,
    );
    if (tables.length > 0) {
      const held = await this.groupStats(
        sql`SELECT profile_id, if(has(statuses, 'held_out'), 'holdout', 'treated') AS g FROM (
              SELECT profile_id, groupArray(status) AS statuses FROM (
                SELECT delivery_id, any(profile_id) AS profile_id, argMax(status, version) AS status
                FROM campaign_deliveries WHERE segment_id = ${id} AND event_type = 'segment.entered'
                GROUP BY delivery_id)
              WHERE status IN ('held_out', 'sent')
              GROUP BY profile_id)`,
        from,
        to,
      );
      if (held.has('holdout')) {
        holdout = held.get('holdout') ?? null;
        groups.push(
          held.get('holdout') ?? emptyGroup('holdout'),
          held.get('treated') ?? emptyGroup('treated'),
        );
      }
    }
    return {
      segmentId: id,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      groups,
      holdout,
    };
  }

  /** Per group (`SELECT profile_id, g`): profiles, converted (completed an order in the period), revenue per currency. */
  private async groupStats(
    groups: SqlFragment,
    from: number,
    to: number,
  ): Promise<Map<string, PerformanceGroup>> {
    const stats = await orderStatsByGroup(this.clickhouse, groups, ['g'], from, to);
    const out = new Map<string, PerformanceGroup>();
    for (const [g, s] of stats) {
      const perProfile: Record<string, number> = {};
      for (const [cur, v] of Object.entries(s.revenue))
        perProfile[cur] = s.profiles === 0 ? 0 : round2(v / s.profiles);
      out.set(g, {
        group: g as PerformanceGroup['group'],
        profiles: s.profiles,
        converted: s.converted,
        conversionRate: s.profiles === 0 ? 0 : Math.round((s.converted / s.profiles) * 10000) / 10000,
        revenue: s.revenue,
        revenuePerProfile: perProfile,
      });
    }
    return out;
  }

  private async rulesById(): Promise<Map<string, unknown>> {
    return new Map((await this.repo.list()).map((d) => [d.id, d.rule]));
  }

  private parse(input: Record<string, unknown>, all: Map<string, unknown>): SegmentDefinition {
    const parsed = parseSegmentDefinition(input, { segments: (s) => all.get(s) });
    if (!parsed.ok) throw invalid(parsed.problems);
    return parsed.definition;
  }

  private async store(definition: SegmentDefinition): Promise<void> {
    try {
      await this.publisher.publish(definition);
    } catch (e) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'kafka_unavailable',
        `could not publish the definition: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    await this.repo.insert(definition);
  }
}

function writableFields(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw invalid([{ path: 'body', message: 'must be a JSON object' }]);
  const problems = Object.keys(body)
    .filter((k) => !WRITABLE.has(k) && !SERVER_FIELDS.has(k))
    .map((k) => ({ path: k, message: 'is not a known field' }));
  if (problems.length > 0) {
    // report the unknown keys together with everything else wrong
    const rest = parseSegmentDefinition({
      ...body,
      version: 1,
      createdAt: '2000-01-01T00:00:00Z',
      updatedAt: '2000-01-01T00:00:00Z',
    });
    throw invalid(rest.ok ? problems : rest.problems);
  }
  return Object.fromEntries(Object.entries(body).filter(([k]) => WRITABLE.has(k)));
}

/** Now, or 1 ms after `previous` when the clock has not moved past it (versions stay ordered). */
function laterThan(previous: string): string {
  return new Date(Math.max(Date.now(), Date.parse(previous) + 1)).toISOString();
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

const emptyGroup = (group: PerformanceGroup['group']): PerformanceGroup => ({
  group,
  profiles: 0,
  converted: 0,
  conversionRate: 0,
  revenue: {},
  revenuePerProfile: {},
});

/** Cursor: base64url JSON `{ s: segment id, a: last profile id }`. */
export function encodeCursor(segmentId: string, profileId: string): string {
  return Buffer.from(JSON.stringify({ s: segmentId, a: profileId }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, segmentId: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (isObject(value) && value.s === segmentId && typeof value.a === 'string' && value.a !== '')
      return value.a;
  } catch {
    // answered below
  }
  throw invalid([
    { path: 'cursor', message: "is not a cursor of this segment's members (use nextCursor as given)" },
  ]);
}

export type { Rule };
