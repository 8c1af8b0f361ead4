import { sql, type ClickHouseClient } from '@cdp/clickhouse';
import { insertPeople, insertTransitions, PEOPLE } from '../support/api-fixtures';
import { AdminClient, campaignEnv, startApi } from '../support/campaign-harness';
import { clickhouseFor } from '../support/ingest-harness';
import type { ServiceProcess } from '../support/service-process';
import { TopicReader } from '../support/topic-reader';
import { eventually, uniqueSuffix } from '../support/test-env';

const DAY = 86400000;
const NOW = Date.now();

describe('api: segments, preview, members, grid, profiles, performance, GDPR, OpenAPI', () => {
  const suffix = uniqueSuffix();
  const env = campaignEnv(suffix, { API_ERASURE_EXITS_TIMEOUT_MS: '1500' });
  let api: ServiceProcess;
  let admin: AdminClient;
  let ch: ClickHouseClient;
  let definitions: TopicReader;
  let events: TopicReader;

  beforeAll(async () => {
    api = await startApi(env);
    admin = new AdminClient(api.url(''));
    ch = clickhouseFor(env);
    await insertPeople(ch, NOW);
    definitions = new TopicReader(env.TOPIC_SEGMENTS);
    events = new TopicReader(env.TOPIC_EVENTS);
    await Promise.all([definitions.start(), events.start()]);
  });

  afterAll(async () => {
    await definitions?.stop();
    await events?.stop();
    await ch?.close();
    await api?.stop();
  });

  const loyal = { all: [{ event: 'Order Completed', within: { days: 180 }, count: { gte: 3 } }] };

  it('refuses every route without the bearer token (401)', async () => {
    const anonymous = new AdminClient(api.url(''), null);
    for (const [method, path] of [
      ['GET', '/v1/segments'],
      ['POST', '/v1/segments'],
      ['POST', '/v1/segments/preview'],
      ['GET', '/v1/segments/x/members'],
      ['GET', '/v1/grid?rows=lifecycleStage&cols=acquisitionChannel'],
      ['GET', '/v1/profiles/p-01'],
      ['DELETE', '/v1/profiles/p-01'],
    ]) {
      const res = await anonymous.request(method, path, method === 'POST' ? {} : undefined);
      expect([method, path, res.status, res.body.error]).toEqual([method, path, 401, 'auth']);
    }
  });

  it('creates, lists, updates and archives segments; publishes every version; 400 names every path', async () => {
    const bad = await admin.request('POST', '/v1/segments', {
      id: 'Bad Id',
      name: '',
      rule: {
        all: [
          { event: 'Order Completed', count: { gte: 'x' } },
          { trait: 'country', op: 'like', value: 1 },
        ],
      },
    });
    expect(bad.status).toBe(400);
    const paths = (bad.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['id', 'name', 'rule.all[0].count.gte', 'rule.all[1].op']));

    const created = await admin.request('POST', '/v1/segments', {
      id: 'loyal-buyers',
      name: 'Loyal buyers',
      rule: loyal,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'loyal-buyers', version: 1, status: 'active', rule: loyal });
    expect(
      (await admin.request('POST', '/v1/segments', { id: 'loyal-buyers', name: 'x', rule: loyal })).status,
    ).toBe(409);

    const updated = await admin.request('PUT', '/v1/segments/loyal-buyers', {
      name: 'Loyal buyers (2+)',
      rule: { all: [{ event: 'Order Completed', within: { days: 180 }, count: { gte: 2 } }] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ version: 2, name: 'Loyal buyers (2+)' });
    expect((await admin.request('GET', '/v1/segments/loyal-buyers')).body).toMatchObject({ version: 2 });
    expect((await admin.request('GET', '/v1/segments/nope')).status).toBe(404);

    await admin.request('POST', '/v1/segments', { id: 'to-archive', name: 'Archive me', rule: loyal });
    const archived = await admin.request('DELETE', '/v1/segments/to-archive');
    expect(archived.body).toMatchObject({ status: 'archived', version: 2 });
    const list = await admin.request<{ segments: { id: string; status: string }[] }>('GET', '/v1/segments');
    expect(list.body.segments.map((s) => [s.id, s.status])).toEqual([
      ['loyal-buyers', 'active'],
      ['to-archive', 'archived'],
    ]);
    const published = await definitions.waitFor((m) => m.key === 'loyal-buyers' || m.key === 'to-archive', 4);
    expect(published.map((m) => [m.key, m.value.version])).toEqual(
      expect.arrayContaining([
        ['loyal-buyers', 1],
        ['loyal-buyers', 2],
        ['to-archive', 2],
      ]),
    );
    const stored = await ch.query<{ n: string }>(
      sql`SELECT count() AS n FROM segment_definitions WHERE segment_id = 'loyal-buyers'`,
    );
    expect(Number(stored[0].n)).toBe(2);
  });

  it('previews a rule (count, explained sample) and an edit (entering, exiting) without emitting', async () => {
    // p-01 and p-02 are current members of loyal-buyers (version 2: >= 2 orders), p-04 left
    await insertTransitions(ch, [
      { segment: 'loyal-buyers', profileId: 'p-01', type: 'segment.entered', at: NOW - 3 * DAY, sequence: 1 },
      { segment: 'loyal-buyers', profileId: 'p-02', type: 'segment.entered', at: NOW - 2 * DAY, sequence: 1 },
      { segment: 'loyal-buyers', profileId: 'p-04', type: 'segment.entered', at: NOW - 3 * DAY, sequence: 1 },
      { segment: 'loyal-buyers', profileId: 'p-04', type: 'segment.exited', at: NOW - 1 * DAY, sequence: 2 },
    ]);
    const before = definitions.messages.length;
    const res = await admin.request<{
      count: number;
      sample: { profileId: string; member: boolean; reason: { actual: unknown }[] }[];
      change: Record<string, number>;
    }>('POST', '/v1/segments/preview', {
      id: 'loyal-buyers',
      rule: { all: [{ event: 'Order Completed', within: { days: 30 }, count: { gte: 1 } }] },
      sampleSize: 10,
    });
    expect(res.status).toBe(200);
    // orders within 30 days: p-01, p-02, p-03, p-07
    expect(res.body.count).toBe(4);
    expect(res.body.sample.map((s) => s.profileId)).toEqual(['p-01', 'p-02', 'p-03', 'p-07']);
    expect(res.body.sample.every((s) => s.member)).toBe(true);
    expect(res.body.sample[0].reason[0].actual).toBe(3);
    expect(res.body.change).toMatchObject({ currentMembers: 2, entering: 2, exiting: 0 });
    const invalid = await admin.request('POST', '/v1/segments/preview', { rule: { any: [] } });
    expect(invalid.status).toBe(400);
    expect((invalid.body.errors as { path: string }[])[0].path).toBe('rule.any');
    expect(definitions.messages.length).toBe(before);
  });

  it('pages members with a cursor, answers membership at an instant and the daily history', async () => {
    const page1 = await admin.request<{
      members: { profileId: string; enteredAt: string }[];
      nextCursor: string;
    }>('GET', '/v1/segments/loyal-buyers/members?limit=1');
    expect(page1.body.members.map((m) => m.profileId)).toEqual(['p-01']);
    expect(page1.body.members[0].enteredAt).toBe(new Date(NOW - 3 * DAY).toISOString());
    const page2 = await admin.request<{ members: { profileId: string }[]; nextCursor: string | null }>(
      'GET',
      `/v1/segments/loyal-buyers/members?limit=1&cursor=${page1.body.nextCursor}`,
    );
    expect(page2.body.members.map((m) => m.profileId)).toEqual(['p-02']);
    expect(page2.body.nextCursor).toBeNull();
    const at = new Date(NOW - 1.5 * DAY).toISOString();
    const past = await admin.request<{ members: { profileId: string }[] }>(
      'GET',
      `/v1/segments/loyal-buyers/members?at=${at}`,
    );
    expect(past.body.members.map((m) => m.profileId)).toEqual(['p-01', 'p-02', 'p-04']);
    expect((await admin.request('GET', '/v1/segments/loyal-buyers/members?cursor=garbage')).status).toBe(400);
    expect((await admin.request('GET', '/v1/segments/loyal-buyers/members?limit=0')).status).toBe(400);

    const history = await admin.request<{
      days: { day: string; entered: number; exited: number; size: number }[];
    }>('GET', '/v1/segments/loyal-buyers/history');
    const days = history.body.days;
    expect(days.reduce((s, d) => s + d.entered, 0)).toBe(3);
    expect(days.reduce((s, d) => s + d.exited, 0)).toBe(1);
    expect(days[days.length - 1].size).toBe(2);
  });

  it('profile 360 by id and by userId / email, with segments and their reason', async () => {
    const byId = await admin.request<Record<string, unknown>>('GET', '/v1/profiles/p-01');
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({
      profileId: 'p-01',
      traits: { country: 'CN' },
      computedTraits: { lifecycleStage: 'loyal', orderCount: 3 },
    });
    expect((byId.body.identities as { identifier: string }[]).map((i) => i.identifier)).toEqual([
      'anonymousId:a-01',
      'email:lin@example.org',
      'userId:u-01',
    ]);
    expect(byId.body.segments).toEqual([
      expect.objectContaining({
        segmentId: 'loyal-buyers',
        qualifiesNow: true,
        reason: [expect.objectContaining({ actual: 3 })],
      }),
    ]);
    expect((byId.body.recentEvents as unknown[]).length).toBe(4);
    expect((await admin.request('GET', '/v1/profiles?userId=u-01')).body.profileId).toBe('p-01');
    expect((await admin.request('GET', '/v1/profiles?email=LIN@example.org')).body.profileId).toBe('p-01');
    expect((await admin.request('GET', '/v1/profiles?userId=nobody')).status).toBe(404);
    expect((await admin.request('GET', '/v1/profiles')).status).toBe(400);
    expect((await admin.request('GET', '/v1/profiles/p-99')).status).toBe(404);
  });

  it('grid lifecycleStage x acquisitionChannel sums to every profile; a cell becomes a segment of that size', async () => {
    const grid = await admin.request<{
      cells: { row: string; col: string; count: number; converted: number }[];
      total: { count: number };
      rowTotals: { key: string; count: number }[];
    }>('GET', '/v1/grid?rows=lifecycleStage&cols=acquisitionChannel');
    expect([grid.status, grid.status === 200 ? '' : api.output().slice(-3000)]).toEqual([200, '']);
    expect(grid.body.total.count).toBe(PEOPLE.length);
    expect(grid.body.cells.reduce((s, c) => s + c.count, 0)).toBe(PEOPLE.length);
    const byStage = Object.fromEntries(grid.body.rowTotals.map((r) => [r.key, r.count]));
    expect(byStage).toMatchObject({ loyal: 2, prospect: 3 });
    const cell = grid.body.cells.filter((c) => c.count > 0).sort((a, b) => b.count - a.count)[0];

    const sub = await admin.request<{ total: { count: number } }>(
      'GET',
      `/v1/grid?rows=lifecycleStage/acquisitionChannel&cols=leadScore:0,10&filter=${encodeURIComponent(JSON.stringify({ trait: 'country', op: 'exists' }))}`,
    );
    expect(sub.status).toBe(200);
    expect(sub.body.total.count).toBe(PEOPLE.filter((p) => p.country).length);
    const unknown = await admin.request('GET', '/v1/grid?rows=noSuchTrait&cols=acquisitionChannel');
    expect(unknown.status).toBe(400);
    expect((unknown.body.errors as { path: string }[])[0].path).toBe('rows');
    expect((await admin.request('GET', '/v1/grid?rows=leadScore&cols=lifecycleStage')).status).toBe(400);

    const made = await admin.request<{ segment: { id: string; rule: unknown } }>('POST', '/v1/grid/segment', {
      rows: 'lifecycleStage',
      cols: 'acquisitionChannel',
      row: cell.row,
      col: cell.col,
      id: 'grid-cell',
    });
    expect(made.status).toBe(201);
    // backfill is the segmenter's job; the compiled rule (what it evaluates) has exactly the cell's count
    const preview = await admin.request<{ count: number }>('POST', '/v1/segments/preview', {
      rule: made.body.segment.rule,
    });
    expect(preview.body.count).toBe(cell.count);
    expect(
      (
        await admin.request('POST', '/v1/grid/segment', {
          rows: 'lifecycleStage',
          cols: 'acquisitionChannel',
          row: 'nope',
          col: cell.col,
          id: 'x',
        })
      ).status,
    ).toBe(400);
  });

  it('segment performance as JSON and CSV', async () => {
    const res = await admin.request<{
      groups: { group: string; profiles: number; converted: number; revenue: Record<string, number> }[];
      holdout: unknown;
    }>('GET', '/v1/segments/loyal-buyers/performance');
    expect([res.status, res.status === 200 ? '' : api.output().slice(-3000)]).toEqual([200, '']);
    const members = res.body.groups.find((g) => g.group === 'members');
    // members during the last 30 days: p-01, p-02 (current) and p-04 (until yesterday)
    expect(members).toMatchObject({ profiles: 3, converted: 2, revenue: { USD: 200 } });
    expect(res.body.holdout).toBeNull();
    const csv = await fetch(api.url('/v1/segments/loyal-buyers/performance?format=csv'), {
      headers: { authorization: `Bearer ${env.CDP_ADMIN_TOKEN}` },
    });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^segment,from,to,group,profiles/);
    expect(lines.some((l) => l.includes(',members,3,2,'))).toBe(true);
    expect((await admin.request('GET', '/v1/segments/loyal-buyers/performance?format=xml')).status).toBe(400);
  });

  it('an erasure asks the segmenter for the exits and answers 503 while they have not arrived', async () => {
    // p-02 is a current member of loyal-buyers; no segmenter runs in this suite
    const erased = await admin.request<{ error: string; message: string }>('DELETE', '/v1/profiles/p-02');
    expect(erased.status).toBe(503);
    expect(erased.body.error).toBe('segmenter_unavailable');
    expect(erased.body.message).toMatch(/retry/);
    const [request] = await events.waitFor((m) => m.key === 'p-02');
    expect(request.value).toMatchObject({ type: 'profile.deleted', profileId: 'p-02' });
    expect(request.value.eventId).toMatch(/^erasure-/);
    // the suppression is already in effect; the rows stay until a retry finds the exits
    const suppressed = await ch.query<{ n: string }>(sql`SELECT count() AS n FROM suppressed_identifiers`);
    expect(Number(suppressed[0].n)).toBe(3);
    expect((await admin.request('GET', '/v1/profiles/p-02')).status).toBe(200);
  });

  it('exports a profile, then erases it everywhere (dead letters included) and suppresses its identifiers', async () => {
    const exported = await admin.request<{ events: unknown[]; identities: { identifier: string }[] }>(
      'GET',
      '/v1/profiles/p-04/export',
    );
    expect(exported.status).toBe(200);
    expect(exported.body.events.length).toBeGreaterThan(0);
    expect(exported.body.identities.map((i) => i.identifier).sort()).toEqual([
      'anonymousId:a-04',
      'userId:u-04',
    ]);

    // two rejected messages: one carrying p-04's userId (at every base64 alignment), one not
    const letter = (offset: number, payload: string) => ({
      source_topic: 'cdp.raw.web',
      source_partition: 0,
      source_offset: offset,
      received_at: new Date().toISOString().slice(0, 19).replace('T', ' '),
      reasons: 'invalid field timestamp',
      reason_codes: ['invalid_field'],
      payload_base64: Buffer.from(payload).toString('base64'),
    });
    await ch.insert('dead_letters', [
      letter(1, '{"userId":"u-04","timestamp":"x"}'),
      letter(2, '{"x":1,"userId":"u-04","timestamp":"x"}'),
      letter(3, '{"xy":1,"userId":"u-04","timestamp":"x"}'),
      letter(4, '{"userId":"u-09","timestamp":"x"}'),
    ]);

    // p-04 left loyal-buyers yesterday: no exit to wait for
    const erased = await admin.request<{ exitsEmitted: number; tables: string[] }>(
      'DELETE',
      '/v1/profiles/p-04',
    );
    expect(erased.status).toBe(200);
    expect(erased.body.exitsEmitted).toBe(0);
    expect(erased.body.tables).toContain('dead_letters');

    const needles = ['p-04', 'u-04', 'a-04'];
    const columns = await ch.query<{ table: string; name: string; type: string }>(sql`
      SELECT table, name, type FROM system.columns c
      WHERE database = ${ch.database} AND type IN ('String', 'Array(String)')
        AND table IN (SELECT name FROM system.tables WHERE database = ${ch.database} AND engine LIKE '%MergeTree%')`);
    const byTable = new Map<string, string[]>();
    for (const c of columns) {
      const test = needles
        .map((n) =>
          c.type === 'String'
            ? `position(${c.name}, '${n}') > 0`
            : `arrayExists(x -> position(x, '${n}') > 0, ${c.name})`,
        )
        .join(' OR ');
      byTable.set(c.table, [...(byTable.get(c.table) ?? []), test]);
    }
    expect(byTable.size).toBeGreaterThan(8);
    for (const [table, tests] of byTable) {
      const rows = await ch.query<{ n: string }>(
        `SELECT count() AS n FROM ${table} WHERE ${tests.join(' OR ')}`,
      );
      expect([table, Number(rows[0].n)]).toEqual([table, 0]);
    }
    const letters = await ch.query<{ source_offset: string }>(
      sql`SELECT source_offset FROM dead_letters ORDER BY source_offset`,
    );
    expect(letters.map((r) => Number(r.source_offset))).toEqual([4]);
    await eventually(
      async () => (await admin.request('GET', '/v1/profiles/p-04')).status === 404,
      5000,
      'p-04 gone',
    );
    const suppressed = await ch.query<{ n: string }>(sql`SELECT count() AS n FROM suppressed_identifiers`);
    expect(Number(suppressed[0].n)).toBe(3 + 2);
  });

  it('serves a valid OpenAPI 3 document at /docs-json listing every route, refs resolving', async () => {
    const res = await api.get('/docs-json');
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.body) as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBeTruthy();
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /v1/segments',
        'GET /v1/segments',
        'GET /v1/segments/{id}',
        'PUT /v1/segments/{id}',
        'DELETE /v1/segments/{id}',
        'POST /v1/segments/preview',
        'GET /v1/segments/{id}/members',
        'GET /v1/segments/{id}/history',
        'GET /v1/segments/{id}/performance',
        'GET /v1/grid',
        'POST /v1/grid/segment',
        'GET /v1/profiles',
        'GET /v1/profiles/{id}',
        'GET /v1/profiles/{id}/export',
        'DELETE /v1/profiles/{id}',
      ]),
    );
    const refs = [...res.body.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) expect([ref, ref in doc.components.schemas]).toEqual([ref, true]);
    expect((await api.get('/docs')).status).toBe(200);
  });
});
