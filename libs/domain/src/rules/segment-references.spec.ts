import { findReferenceCycle, referencedSegmentIds } from './segment-references';

describe('referencedSegmentIds', () => {
  it('collects inSegment ids through all, any and not, once each', () => {
    const rule = {
      all: [{ inSegment: 'a' }, { any: [{ not: { inSegment: 'b' } }, { inSegment: 'a' }] }, { trait: 'x' }],
    };
    expect(referencedSegmentIds(rule)).toEqual(['a', 'b']);
  });

  it('tolerates any JSON', () => {
    for (const junk of [null, 3, 'x', [], { all: 'x' }, { not: null }, { inSegment: 5 }]) {
      expect(referencedSegmentIds(junk)).toEqual([]);
    }
  });
});

describe('findReferenceCycle', () => {
  const stored: Record<string, unknown> = {
    a: { inSegment: 'b' },
    b: { all: [{ inSegment: 'c' }, { inSegment: 'self' }] },
    c: { inSegment: 'c2' },
    d: { inSegment: 'e' },
    e: { inSegment: 'd' },
    f: { inSegment: 'missing' },
  };
  const segments = (id: string) => stored[id];

  it('finds a path back to the segment being defined', () => {
    expect(findReferenceCycle('a', 'self', segments)).toEqual(['self', 'a', 'b', 'self']);
  });

  it('finds cycles among other segments', () => {
    expect(findReferenceCycle('d', 'self', segments)).toEqual(['d', 'e', 'd']);
    expect(findReferenceCycle('d', undefined, segments)).toEqual(['d', 'e', 'd']);
  });

  it('is undefined for acyclic references and unknown segments', () => {
    expect(findReferenceCycle('c', 'self', segments)).toBeUndefined();
    expect(findReferenceCycle('f', 'self', segments)).toBeUndefined();
    expect(findReferenceCycle('a', undefined, segments)).toBeUndefined();
  });

  it('stops on long chains', () => {
    const chain = (id: string) => ({ inSegment: `${Number(id) + 1}` });
    expect(findReferenceCycle('0', 'self', chain)).toBeUndefined();
  });
});
