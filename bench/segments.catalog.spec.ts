import { referencedSegmentIds, validateRule } from '@cdp/domain';
import { benchmarkSegments } from './segments.catalog';

describe('the benchmark catalogue', () => {
  const segments = benchmarkSegments();

  it('has the 50 active segments the benchmark is specified with, each id once', () => {
    const ids = segments.map((s) => s.id);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
  });

  it('holds only valid rules whose segment references stay inside the catalogue', () => {
    const ids = new Set(segments.map((s) => s.id));
    const knownTraits = new Set(['gender', 'age', 'country']);
    for (const s of segments) {
      const json = JSON.parse(JSON.stringify(s.rule)) as unknown;
      expect([s.id, validateRule(json, { knownTraits, selfId: s.id })]).toEqual([
        s.id,
        { ok: true, rule: json },
      ]);
      for (const ref of referencedSegmentIds(s.rule)) expect([s.id, ids.has(ref)]).toEqual([s.id, true]);
    }
  });
});
