import { reaches } from './consumer-progress.repository';

describe('reaches', () => {
  const offsets = (entries: [number, bigint][]) => new Map(entries);

  it('holds when every target partition is committed at or past its target', () => {
    expect(
      reaches(
        offsets([
          [0, 5n],
          [1, 9n],
          [2, 1n],
        ]),
        offsets([
          [0, 5n],
          [1, 3n],
        ]),
      ),
    ).toBe(true);
  });

  it('fails when one partition is behind, or has never been committed', () => {
    expect(
      reaches(
        offsets([
          [0, 4n],
          [1, 9n],
        ]),
        offsets([
          [0, 5n],
          [1, 3n],
        ]),
      ),
    ).toBe(false);
    expect(
      reaches(
        offsets([[0, 5n]]),
        offsets([
          [0, 5n],
          [1, 1n],
        ]),
      ),
    ).toBe(false);
  });

  it('holds for no target at all', () => {
    expect(reaches(offsets([]), offsets([]))).toBe(true);
  });
});
