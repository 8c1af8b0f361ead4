import { InsertCombiner } from './insert-combiner';

/** A fake table writer: records each statement, resolves when told. */
function recorder(fail: (rows: readonly object[]) => boolean = () => false) {
  const statements: { table: string; rows: readonly object[] }[] = [];
  const release: (() => void)[] = [];
  const send = (table: string, rows: readonly object[]): Promise<void> => {
    statements.push({ table, rows });
    return new Promise<void>((resolve, reject) =>
      release.push(() => (fail(rows) ? reject(new Error(`bad rows in ${table}`)) : resolve())),
    );
  };
  const releaseAll = async (): Promise<void> => {
    while (release.length > 0) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { statements, send, releaseAll };
}

const rows = (...ids: number[]) => ids.map((id) => ({ id }));

describe('InsertCombiner', () => {
  it('sends an insert into an idle table at once, alone', async () => {
    const r = recorder();
    const c = new InsertCombiner(r.send);
    const done = c.insert('events', rows(1, 2));
    expect(r.statements).toEqual([{ table: 'events', rows: rows(1, 2) }]);
    await r.releaseAll();
    await expect(done).resolves.toBeUndefined();
  });

  it('combines the inserts that arrive while one runs into one statement per table', async () => {
    const r = recorder();
    const c = new InsertCombiner(r.send);
    const first = c.insert('events', rows(1));
    const second = c.insert('events', rows(2, 3));
    const third = c.insert('events', rows(4));
    const other = c.insert('identities', rows(9));
    expect(r.statements.map((s) => s.table)).toEqual(['events', 'identities']);
    await r.releaseAll();
    await Promise.all([first, second, third, other]);
    expect(r.statements).toEqual([
      { table: 'events', rows: rows(1) },
      { table: 'identities', rows: rows(9) },
      { table: 'events', rows: rows(2, 3, 4) },
    ]);
  });

  it('keeps combined statements under maxRows (a larger single insert still goes alone)', async () => {
    const r = recorder();
    const c = new InsertCombiner(r.send, 3);
    const all = [
      c.insert('t', rows(1)),
      c.insert('t', rows(2, 3)),
      c.insert('t', rows(4, 5)),
      c.insert('t', rows(6, 7, 8, 9)),
    ];
    await r.releaseAll();
    await Promise.all(all);
    expect(r.statements.map((s) => s.rows)).toEqual([rows(1), rows(2, 3), rows(4, 5), rows(6, 7, 8, 9)]);
  });

  it('when a combined statement fails, sends each caller alone: only the bad rows fail', async () => {
    const r = recorder((batch) => batch.some((x) => (x as { id: number }).id === 666));
    const c = new InsertCombiner(r.send);
    const first = c.insert('t', rows(1));
    const good = c.insert('t', rows(2));
    const bad = c.insert('t', rows(666));
    const settled = Promise.allSettled([first, good, bad]);
    await r.releaseAll();
    const [a, b, d] = await settled;
    expect([a.status, b.status, d.status]).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(r.statements.map((s) => s.rows)).toEqual([rows(1), rows(2, 666), rows(2), rows(666)]);
    // the table is free again afterwards
    const later = c.insert('t', rows(3));
    await r.releaseAll();
    await expect(later).resolves.toBeUndefined();
  });
});
