import { formatDateTime, type ClickHouseClient } from '@cdp/clickhouse';
import { sql } from '@cdp/clickhouse';
import type { LiftAnswer } from '../../apps/api/src/campaigns/campaigns.service';
import { meanDifference, proportionDifference } from '../../apps/api/src/campaigns/lift';
import {
  AdminClient,
  ADMIN_TOKEN,
  campaignBody,
  campaignEnv,
  dropSuite,
  startApi,
} from '../support/campaign-harness';
import { clickhouseFor } from '../support/ingest-harness';
import type { ServiceProcess } from '../support/service-process';
import { TopicReader } from '../support/topic-reader';
import { uniqueSuffix } from '../support/test-env';

describe('api: campaign definitions and lift reports', () => {
  const suffix = uniqueSuffix();
  const env = campaignEnv(suffix);
  let api: ServiceProcess;
  let admin: AdminClient;
  let ch: ClickHouseClient;
  let topic: TopicReader;

  beforeAll(async () => {
    api = await startApi(env);
    admin = new AdminClient(api.url(''));
    ch = clickhouseFor(env);
    topic = new TopicReader(env.TOPIC_CAMPAIGNS);
    await topic.start();
  });

  afterAll(async () => {
    await topic?.stop();
    await ch?.close();
    await api?.stop();
    await dropSuite(env);
  });

  it('refuses requests without the admin bearer token (401, WWW-Authenticate: Bearer)', async () => {
    const cases: [string | null, Record<string, string>][] = [
      [null, {}],
      ['not-the-token-at-all', {}],
      [null, { authorization: `Basic ${Buffer.from(`${ADMIN_TOKEN}:`).toString('base64')}` }],
      [null, { authorization: ADMIN_TOKEN }],
    ];
    for (const [token, headers] of cases) {
      const client = new AdminClient(api.url(''), token);
      for (const [method, path] of [
        ['GET', '/v1/campaigns'],
        ['POST', '/v1/campaigns'],
        ['GET', '/v1/campaigns/x'],
        ['PUT', '/v1/campaigns/x'],
        ['DELETE', '/v1/campaigns/x'],
        ['GET', '/v1/campaigns/x/lift'],
      ]) {
        const res = await client.request(
          method,
          path,
          method === 'POST' || method === 'PUT' ? {} : undefined,
          headers,
        );
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(res.body).toMatchObject({ error: 'auth' });
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
  });

  it('answers 400 naming every bad field', async () => {
    const res = await admin.request('POST', '/v1/campaigns', {
      id: 'Not A Slug',
      trigger: { segment: 'churned', on: 'joined' },
      action: { type: 'email', url: 'ftp://files.example.com', headers: { 'Idempotency-Key': 'mine' } },
      frequencyCap: { max: 0, per: { weeks: 1 } },
      holdoutPercent: 101,
      status: 'deleted',
      secret: 'short',
      unknown: true,
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation');
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(
      [
        'action.headers',
        'action.type',
        'action.url',
        'frequencyCap.max',
        'frequencyCap.per',
        'holdoutPercent',
        'id',
        'secret',
        'status',
        'trigger.on',
        'unknown',
      ].sort(),
    );
    expect((await admin.request('POST', '/v1/campaigns', [1])).body.errors).toEqual([
      { path: 'body', message: 'must be a JSON object' },
    ]);
    const missing = await admin.request('POST', '/v1/campaigns', { id: 'x' });
    expect((missing.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['trigger', 'action']);
    const put = await admin.request(
      'PUT',
      '/v1/campaigns/abc',
      campaignBody('xyz', 'churned', 'http://127.0.0.1:9/h'),
    );
    expect(put.status).toBe(400);
    expect(put.body.errors).toEqual([
      { path: 'id', message: 'must be the id in the path (abc) or left out' },
    ]);
    const badPath = await admin.request(
      'PUT',
      '/v1/campaigns/Bad_Id',
      campaignBody('winback', 'churned', 'http://h'),
    );
    expect(badPath.status).toBe(400);
    const lift = await admin.request('GET', '/v1/campaigns/x/lift?windowDays=zero&from=soon');
    expect(lift.status).toBe(400);
    expect((lift.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual([
      'from',
      'windowDays',
    ]);
  });

  it('creates, reads, lists, updates, pauses and deletes; publishes each version to the compacted topic', async () => {
    const body = campaignBody('winback', 'churned', 'https://crm.example.com/hooks/cdp', {
      name: 'Win back',
      action: { type: 'webhook', url: 'https://crm.example.com/hooks/cdp', headers: { 'X-Team': 'crm' } },
      frequencyCap: { max: 1, per: { days: 30 } },
      holdoutPercent: 10,
      secret: 'whsec-0123456789abcdef',
    });
    const created = await admin.request('POST', '/v1/campaigns', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'winback',
      version: 1,
      status: 'active',
      trigger: { segment: 'churned', on: 'entered' },
      action: { type: 'webhook', url: 'https://crm.example.com/hooks/cdp', headers: { 'X-Team': 'crm' } },
      frequencyCap: { max: 1, per: { days: 30 } },
      holdoutPercent: 10,
      hasSecret: true,
    });
    expect(created.body).not.toHaveProperty('secret');
    expect((await admin.request('POST', '/v1/campaigns', body)).status).toBe(409);

    const got = await admin.request('GET', '/v1/campaigns/winback');
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
    const list = await admin.request<{ campaigns: { id: string }[] }>('GET', '/v1/campaigns');
    expect(list.body.campaigns.map((c) => c.id)).toEqual(['winback']);

    const paused = await admin.request('PUT', '/v1/campaigns/winback', {
      ...body,
      id: undefined,
      status: 'paused',
      secret: undefined,
    });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({
      version: 2,
      status: 'paused',
      hasSecret: false,
      createdAt: created.body.createdAt,
    });
    const another = await admin.request(
      'PUT',
      '/v1/campaigns/welcome',
      campaignBody('welcome', 'new-customers', 'http://127.0.0.1:9/w'),
    );
    expect(another.status).toBe(201);
    expect(another.body).toMatchObject({ id: 'welcome', version: 1, frequencyCap: null });

    expect((await admin.request('DELETE', '/v1/campaigns/winback')).status).toBe(204);
    expect((await admin.request('GET', '/v1/campaigns/winback')).status).toBe(404);
    expect((await admin.request('DELETE', '/v1/campaigns/winback')).status).toBe(404);
    expect((await admin.request('GET', '/v1/campaigns/nope')).body).toMatchObject({ error: 'not_found' });
    const after = await admin.request<{ campaigns: { id: string }[] }>('GET', '/v1/campaigns');
    expect(after.body.campaigns.map((c) => c.id)).toEqual(['welcome']);
    // created again after a delete: the version goes on
    const again = await admin.request('POST', '/v1/campaigns', body);
    expect(again.body).toMatchObject({ version: 4, status: 'active' });

    // the topic: the definitions with their secret, keyed by id, and a tombstone for the delete
    const records = await topic.waitFor((m) => m.key === 'winback', 4);
    expect(records.map((m) => (m.value === null ? null : (m.value as { version: number }).version))).toEqual([
      1,
      2,
      null,
      4,
    ]);
    expect(records[0].value).toMatchObject({
      id: 'winback',
      secret: 'whsec-0123456789abcdef',
      holdoutPercent: 10,
    });
    expect(records[1].value).not.toHaveProperty('secret');

    // the analysts' copy: every version, no secret
    const rows = await ch.query<{ version: number; status: string; has_secret: number; definition: string }>(
      sql`SELECT version, status, has_secret, definition FROM campaigns WHERE campaign_id = 'winback' ORDER BY version`,
    );
    expect(rows.map((r) => [r.version, r.status, r.has_secret])).toEqual([
      [1, 'active', 1],
      [2, 'paused', 0],
      [3, 'deleted', 0],
      [4, 'active', 1],
    ]);
    expect(rows.map((r) => r.definition).join('')).not.toContain('whsec-');
  });

  it('reports lift on a hand-built dataset: treated vs holdout, conversions resolved through merges, revenue per currency', async () => {
    expect(
      (await admin.request('POST', '/v1/campaigns', campaignBody('lift', 'churned', 'http://127.0.0.1:9/l')))
        .status,
    ).toBe(201);
    const t0 = Date.UTC(2026, 9, 1); // 2026-10-01, the trigger time
    const DAY = 86400_000;
    let n = 0;
    const delivery = (profile: string, status: string, at = t0, attempts = status === 'sent' ? 1 : 0) => {
      n += 1;
      return {
        delivery_id: `d-${n}`,
        campaign_id: 'lift',
        profile_id: profile,
        segment_event_id: `se-${n}`,
        status,
        attempts,
        triggered_at: formatDateTime(new Date(at)),
        version: attempts * 4 + (status === 'pending' ? 1 : status === 'sent' ? 3 : 2),
      };
    };
    const treated = Array.from({ length: 10 }, (_, i) => `T${i + 1}`);
    const holdout = Array.from({ length: 10 }, (_, i) => `H${i + 1}`);
    const rows = [
      ...treated.filter((p) => p !== 'T2').map((p) => delivery(p, 'sent')),
      { ...delivery('T2', 'pending'), delivery_id: 'd-t2' },
      { ...delivery('T2', 'sent', t0, 2), delivery_id: 'd-t2' }, // the same delivery, later version
      ...holdout.map((p) => delivery(p, 'held_out')),
      delivery('T1', 'capped', t0 + DAY), // a second trigger of T1, capped: not a member twice
      delivery('T11', 'sent', Date.UTC(2026, 7, 1)), // triggered before `from`
      delivery('T12', 'failed'), // never reached: not treated
      delivery('M1', 'sent'),
      delivery('M2', 'held_out'), // merged into M1 below: in both groups, left out
    ];
    await ch.insert('campaign_deliveries', rows);
    await ch.insert('profile_merges', [
      {
        absorbed_id: 'T3x',
        survivor_id: 'T3',
        merged_at: formatDateTime(new Date(t0)),
        event_id: 'm1',
        version: 1,
      },
      {
        absorbed_id: 'M2',
        survivor_id: 'M1',
        merged_at: formatDateTime(new Date(t0)),
        event_id: 'm2',
        version: 1,
      },
    ]);
    const order = (
      id: string,
      profile: string,
      at: number,
      revenue: number,
      currency = 'CNY',
      name = 'Order Completed',
    ) => ({
      event_id: id,
      profile_id: profile,
      source: 'transaction',
      type: 'transaction',
      name,
      occurred_at: formatDateTime(new Date(at)),
      ingested_at: formatDateTime(new Date()),
      revenue,
      currency,
    });
    await ch.insert('events', [
      order('o1', 'T1', t0 + 2 * DAY, 100),
      order('o2', 'T2', t0 + 10 * DAY, 50),
      order('o3', 'T2', t0 + 40 * DAY, 70), // outside a 30-day window, inside 45 days
      order('o4', 'T3x', t0 + DAY, 200), // an order of a profile merged into T3
      order('o5', 'T4', t0 - DAY, 999), // before the trigger
      order('o6', 'T5', t0 + 3 * DAY, 30, 'USD'),
      order('o7', 'T6', t0 + 3 * DAY, 500, 'CNY', 'Order Refunded'), // not a conversion
      order('o8', 'H1', t0 + 5 * DAY, 80),
      order('o9', 'M1', t0 + DAY, 1000),
    ]);

    const res = await admin.request<LiftAnswer>(
      'GET',
      '/v1/campaigns/lift/lift?from=2026-09-01T00:00:00Z&to=2026-11-01T00:00:00Z&windowDays=30',
    );
    expect(res.status).toBe(200);
    const r = res.body;
    expect(r).toMatchObject({
      campaignId: 'lift',
      from: '2026-09-01T00:00:00.000Z',
      to: '2026-11-01T00:00:00.000Z',
      windowDays: 30,
    });
    expect(r.treated).toEqual({
      members: 10,
      converted: 4,
      conversionRate: 0.4,
      orders: 4,
      revenue: { CNY: 350, USD: 30 },
      revenuePerMember: { CNY: 35, USD: 3 },
    });
    expect(r.holdout).toEqual({
      members: 10,
      converted: 1,
      conversionRate: 0.1,
      orders: 1,
      revenue: { CNY: 80 },
      revenuePerMember: { CNY: 8 },
    });
    expect(r.excludedMembers).toBe(1);
    const conversion = proportionDifference(4, 10, 1, 10);
    expect(r.conversionLift).toEqual({ ...conversion, relative: 3 });
    expect(r.conversionLift?.confidenceInterval95[0]).toBeCloseTo(0.3 - 1.96 * Math.sqrt(0.024 + 0.009), 3);
    expect(r.revenuePerMemberLift.CNY).toEqual(
      meanDifference(350, 100 ** 2 + 50 ** 2 + 200 ** 2, 10, 80, 80 ** 2, 10),
    );
    expect(r.revenuePerMemberLift.CNY?.difference).toBe(27);

    const longer = await admin.request<LiftAnswer>(
      'GET',
      '/v1/campaigns/lift/lift?from=2026-09-01T00:00:00Z&to=2026-11-01T00:00:00Z&windowDays=45',
    );
    expect(longer.body.treated).toMatchObject({ converted: 4, orders: 5, revenue: { CNY: 420, USD: 30 } });
    expect((await admin.request('GET', '/v1/campaigns/none/lift')).status).toBe(404);
  });
});
