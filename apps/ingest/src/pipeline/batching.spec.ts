import { chunk, groupByPartitionLimit, monthOf } from './batching';

describe('chunk', () => {
  it('splits in order into slices of at most the size', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([1, 2], 1000)).toEqual([[1, 2]]);
    expect(chunk([], 3)).toEqual([]);
  });

  it('splits a kafkajs batch of 2500 at the insert size of 1000', () => {
    const sizes = chunk(
      Array.from({ length: 2500 }, (_, i) => i),
      1000,
    ).map((c) => c.length);
    expect(sizes).toEqual([1000, 1000, 500]);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
    expect(() => chunk([1], 1.5)).toThrow(RangeError);
  });
});

describe('groupByPartitionLimit', () => {
  const rows = (months: string[]) => months.map((m, i) => ({ i, at: `${m}-01 00:00:00` }));

  it('keeps one group when few partitions are touched', () => {
    const input = rows(['2026-01', '2026-02', '2026-01']);
    expect(groupByPartitionLimit(input, (r) => monthOf(r.at), 50)).toEqual([input]);
  });

  it('splits so that no group spans more than the limit, losing no row', () => {
    const months = Array.from(
      { length: 130 },
      (_, i) => `${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`,
    );
    const input = rows([...months, ...months]);
    const groups = groupByPartitionLimit(input, (r) => monthOf(r.at), 50);
    expect(groups).toHaveLength(3);
    for (const g of groups) expect(new Set(g.map((r) => monthOf(r.at))).size).toBeLessThanOrEqual(50);
    expect(
      groups
        .flat()
        .map((r) => r.i)
        .sort((a, b) => a - b),
    ).toEqual(input.map((r) => r.i));
  });

  it('returns nothing for no rows', () => {
    expect(groupByPartitionLimit([], () => 'x', 5)).toEqual([]);
  });
});
