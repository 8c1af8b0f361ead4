import {
  decodeSegmentDefinition,
  definitionEffectiveAt,
  encodeSegmentDefinition,
  parseSegmentDefinition,
  type SegmentDefinition,
} from './segment-definition';

const loyal: SegmentDefinition = {
  id: 'loyal-buyers',
  name: 'Loyal buyers',
  description: 'At least 3 orders in 180 days',
  status: 'active',
  version: 3,
  rule: { all: [{ event: 'Order Completed', within: { days: 180 }, count: { gte: 3 } }] },
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-02T00:00:00.000Z',
};

describe('segment definitions', () => {
  it('accepts a valid definition and round-trips it through the topic codec', () => {
    const parsed = parseSegmentDefinition(JSON.parse(JSON.stringify(loyal)));
    expect(parsed).toEqual({ ok: true, definition: loyal });
    expect(decodeSegmentDefinition('loyal-buyers', encodeSegmentDefinition(loyal))).toEqual({
      kind: 'definition',
      definition: loyal,
    });
    expect(definitionEffectiveAt(loyal)).toBe(Date.parse('2026-11-02T00:00:00.000Z'));
  });

  it('names every bad field, including rule problems under rule.*', () => {
    const parsed = parseSegmentDefinition({
      id: 'Not A Slug',
      name: '',
      status: 'live',
      version: 0,
      rule: { all: [{ event: 'Order Completed', count: { gte: -1 } }] },
      createdAt: 'yesterday',
      updatedAt: '2026-11-02T00:00:00Z',
      exitOnArchive: 'yes',
      colour: 'red',
    });
    expect(parsed.ok).toBe(false);
    const paths = parsed.ok ? [] : parsed.problems.map((p) => p.path).sort();
    expect(paths).toEqual(
      [
        'colour',
        'createdAt',
        'exitOnArchive',
        'id',
        'name',
        'rule.all[0].count.gte',
        'status',
        'version',
      ].sort(),
    );
  });

  it('refuses a reference to itself (cycle) and non-objects', () => {
    const self = parseSegmentDefinition({ ...loyal, rule: { inSegment: 'loyal-buyers' } });
    expect(self.ok).toBe(false);
    expect(parseSegmentDefinition('x')).toEqual({
      ok: false,
      problems: [{ path: '$', message: 'must be an object' }],
    });
  });

  it('reads tombstones as deletions and refuses a value whose id differs from the key', () => {
    expect(decodeSegmentDefinition('gone', null)).toEqual({ kind: 'deleted', id: 'gone' });
    expect(decodeSegmentDefinition('other', encodeSegmentDefinition(loyal))).toMatchObject({
      kind: 'invalid',
      id: 'other',
    });
    expect(decodeSegmentDefinition('x', '{nope')).toMatchObject({ kind: 'invalid' });
  });
});
