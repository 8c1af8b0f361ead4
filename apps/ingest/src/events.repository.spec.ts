import type { ClickHouseClient } from '@cdp/clickhouse';
import { MetricsService } from '@cdp/observability';
import { EventsRepository } from './events.repository';
import { IngestMetrics } from './ingest.metrics';
import { TableInsertsWriter } from './table-inserts.writer';
import type { EventRow } from './pipeline/event-rows';

function fakeClickHouse(failOnCall?: number) {
  const inserts: { table: string; rows: unknown[] }[] = [];
  const queries: string[] = [];
  let calls = 0;
  const client = {
    insert: async (table: string, rows: readonly unknown[]) => {
      calls += 1;
      if (calls === failOnCall) throw new Error('connection reset');
      inserts.push({ table, rows: [...rows] });
    },
    query: async (statement: unknown) => {
      queries.push(String(statement));
      return [{ event_id: "it's", profile_id: 'p-1' }];
    },
  } as unknown as ClickHouseClient;
  return { client, inserts, queries };
}

const metrics = new IngestMetrics(new MetricsService('ingest-test'));
const row = (i: number, month: string) =>
  ({ event_id: `e-${i}`, occurred_at: `${month}-01 00:00:00` }) as EventRow;

describe('EventsRepository', () => {
  it('splits an insert spanning many months and resumes after the blocks that succeeded', async () => {
    const ch = fakeClickHouse(2);
    const repo = new EventsRepository(ch.client, new TableInsertsWriter(ch.client, metrics));
    const rows = Array.from({ length: 120 }, (_, i) =>
      row(i, `${2010 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`),
    );
    const progress = { done: 0 };
    await expect(repo.insertEvents(rows, progress)).rejects.toThrow('connection reset');
    expect(progress.done).toBe(1);
    await repo.insertEvents(rows, progress);
    expect(progress.done).toBe(3);
    const written = ch.inserts.flatMap((i) => i.rows as EventRow[]).map((r) => r.event_id);
    expect(written.sort()).toEqual(rows.map((r) => r.event_id).sort());
    expect(ch.inserts.every((i) => i.table === 'events')).toBe(true);
  });

  it('looks ids up in event_ids with every value bound through the escaper', async () => {
    const ch = fakeClickHouse();
    const repo = new EventsRepository(ch.client, new TableInsertsWriter(ch.client, metrics));
    const written = await repo.findWritten(["it's", "it's", 'x\\y']);
    expect(ch.queries).toEqual([
      "SELECT event_id, any(profile_id) AS profile_id FROM event_ids WHERE event_id IN ('it\\'s', 'x\\\\y') GROUP BY event_id",
    ]);
    expect(written).toEqual(new Map([["it's", 'p-1']]));
  });

  it('does not query or insert for nothing', async () => {
    const ch = fakeClickHouse();
    const repo = new EventsRepository(ch.client, new TableInsertsWriter(ch.client, metrics));
    expect(await repo.findWritten([])).toEqual(new Map());
    await repo.insertEvents([]);
    await repo.insertEventIds([]);
    expect(ch.queries).toEqual([]);
    expect(ch.inserts).toEqual([]);
  });
});
