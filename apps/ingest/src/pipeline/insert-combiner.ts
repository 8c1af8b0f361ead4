/** Sends rows to one table as one INSERT statement. */
export type InsertRows = (table: string, rows: readonly object[]) => Promise<void>;

interface Waiting {
  rows: readonly object[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit of inserts: while an INSERT into a table is running, the inserts into the same
 * table that arrive (ingest's partitions write concurrently) wait and then go together as one
 * statement. ClickHouse makes a part per INSERT (and per materialized view), and merges them
 * again in the background, so fewer, larger inserts cost the server much less; an insert that
 * finds the table idle is sent at once, so nothing waits when there is nothing to combine.
 *
 * Each caller's promise settles when its own rows are written (or failed). When a combined
 * statement fails, each caller's rows are sent again on their own, so one caller's bad rows
 * (or a combination too large, e.g. too many partitions in one block) never fail the others.
 */
export class InsertCombiner {
  private readonly queues = new Map<string, { busy: boolean; waiting: Waiting[] }>();

  constructor(
    private readonly send: InsertRows,
    /** Most rows in one combined statement (a single caller's rows always go, however many). */
    private readonly maxRows = 50_000,
  ) {}

  insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    let queue = this.queues.get(table);
    if (queue === undefined) {
      queue = { busy: false, waiting: [] };
      this.queues.set(table, queue);
    }
    const q = queue;
    return new Promise<void>((resolve, reject) => {
      q.waiting.push({ rows, resolve, reject });
      if (!q.busy) void this.drain(table, q);
    });
  }

  private async drain(table: string, q: { busy: boolean; waiting: Waiting[] }): Promise<void> {
    q.busy = true;
    try {
      while (q.waiting.length > 0) {
        const batch: Waiting[] = [];
        let size = 0;
        while (
          q.waiting.length > 0 &&
          (batch.length === 0 || size + q.waiting[0].rows.length <= this.maxRows)
        ) {
          const next = q.waiting.shift() as Waiting;
          batch.push(next);
          size += next.rows.length;
        }
        if (batch.length > 1) {
          try {
            await this.send(
              table,
              batch.flatMap((w) => w.rows),
            );
            for (const w of batch) w.resolve();
            continue;
          } catch {
            // each caller's rows alone below
          }
        }
        for (const w of batch) {
          try {
            await this.send(table, w.rows);
            w.resolve();
          } catch (e) {
            w.reject(e);
          }
        }
      }
    } finally {
      q.busy = false;
    }
  }
}
