import { type ClickHouseClient, sql } from '@cdp/clickhouse';
import { insertPeople, PEOPLE } from '../support/api-fixtures';
import { ADMIN_TOKEN, AdminClient, startApi } from '../support/campaign-harness';
import { clickhouseFor, KafkaHarness } from '../support/ingest-harness';
import type { ServiceProcess } from '../support/service-process';
import { segmenterEnv, startSegmenter } from '../segmenter/segmenter-harness';
import { eventually, uniqueSuffix } from '../support/test-env';

/**
 * Issue 6 acceptance: a segment created from a grid cell has exactly that cell's count as
 * members after the backfill. The built api and the built segmenter share one isolated
 * database and set of topics; the api publishes the definition, the segmenter backfills it
 * and writes the transitions that the members endpoint reads.
 */
describe('api + segmenter: a segment from a grid cell has the cell count as members after backfill', () => {
  const suffix = uniqueSuffix();
  const env = segmenterEnv(suffix, { CDP_ADMIN_TOKEN: ADMIN_TOKEN });
  const kafka = new KafkaHarness(env.KAFKA_BROKERS);
  let ch: ClickHouseClient;
  let api: ServiceProcess;
  let segmenter: ServiceProcess;
  let admin: AdminClient;

  beforeAll(async () => {
    api = await startApi(env);
    admin = new AdminClient(api.url(''));
    ch = clickhouseFor(env);
    await insertPeople(ch, Date.now());
    segmenter = await startSegmenter(env);
  });

  afterAll(async () => {
    await segmenter?.stop();
    await api?.stop();
    await kafka.admin.connect().catch(() => undefined);
    const topics = (await kafka.admin.listTopics().catch(() => [] as string[])).filter((t) =>
      t.includes(suffix),
    );
    await kafka.admin.deleteTopics({ topics }).catch(() => undefined);
    await kafka.close();
    await ch
      ?.server()
      .command(`DROP DATABASE IF EXISTS ${env.CLICKHOUSE_DATABASE}`)
      .catch(() => undefined);
    await ch?.close();
  });

  it('lifecycleStage x acquisitionChannel: the biggest cell becomes a segment with exactly its members', async () => {
    const grid = await admin.request<{
      cells: { row: string; col: string; count: number }[];
      total: { count: number };
    }>('GET', '/v1/grid?rows=lifecycleStage&cols=acquisitionChannel');
    expect(grid.status).toBe(200);
    expect(grid.body.total.count).toBe(PEOPLE.length);
    const cell = grid.body.cells.filter((c) => c.count > 0).sort((a, b) => b.count - a.count)[0];
    expect(cell).toBeDefined();

    const made = await admin.request<{ segment: { id: string } }>('POST', '/v1/grid/segment', {
      rows: 'lifecycleStage',
      cols: 'acquisitionChannel',
      row: cell.row,
      col: cell.col,
      id: 'grid-cell-backfill',
    });
    expect(made.status).toBe(201);

    const members = async (): Promise<string[]> => {
      const res = await admin.request<{ members: { profileId: string }[] }>(
        'GET',
        '/v1/segments/grid-cell-backfill/members?limit=1000',
      );
      return res.body.members.map((m) => m.profileId);
    };
    await eventually(
      async () => (await members()).length >= cell.count,
      60000,
      `the backfill of grid-cell-backfill (${cell.row} x ${cell.col}: ${cell.count}); segmenter output:\n${segmenter.output().slice(-3000)}`,
    );
    // settled: nothing more arrives
    await new Promise((r) => setTimeout(r, 1500));
    const final = await members();
    expect(final.length).toBe(cell.count);
    expect(new Set(final).size).toBe(cell.count);
    const [entered] = await ch.query<{ n: string }>(sql`
      SELECT uniqExact(profile_id) AS n FROM segment_transitions
      WHERE segment_id = 'grid-cell-backfill' AND type = 'segment.entered'`);
    expect(Number(entered.n)).toBe(cell.count);
  });
});
