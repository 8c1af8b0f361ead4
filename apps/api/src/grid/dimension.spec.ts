import { bucketsOf, parseAxis } from './dimension';
import { decodeCursor, encodeCursor } from '../segments/segments.service';

describe('grid dimensions', () => {
  it('parses sub-dimensions and ranges', () => {
    expect(parseAxis('lifecycleStage/acquisitionChannel', 'rows')).toEqual({
      ok: true,
      parts: [{ trait: 'lifecycleStage' }, { trait: 'acquisitionChannel' }],
    });
    expect(parseAxis('leadScore:0,10,50', 'cols')).toEqual({
      ok: true,
      parts: [{ trait: 'leadScore', breaks: ['0', '10', '50'] }],
    });
    expect(parseAxis('', 'rows').ok).toBe(false);
  });

  it('turns numeric and date breaks into buckets that partition every value', () => {
    const numeric = bucketsOf({ trait: 'leadScore', kind: 'ranges', breaks: ['0', '10', '50'] }, 'rows');
    expect(numeric.ok && numeric.part.buckets.map((b) => b.label)).toEqual([
      '<0',
      '0..10',
      '10..50',
      '>=50',
      '(none)',
    ]);
    const dates = bucketsOf(
      { trait: 'firstSeenAt', kind: 'ranges', breaks: ['2026-01-01', '2026-07-01'] },
      'rows',
    );
    expect(dates.ok && dates.part.buckets.map((b) => b.label)).toEqual([
      '<2026-01-01',
      '2026-01-01..2026-07-01',
      '>=2026-07-01',
      '(none)',
    ]);
    expect(bucketsOf({ trait: 'leadScore', kind: 'ranges', breaks: ['10', '5'] }, 'rows').ok).toBe(false);
    expect(bucketsOf({ trait: 'leadScore', kind: 'ranges', breaks: ['x'] }, 'rows').ok).toBe(false);
  });
});

describe('member cursors', () => {
  it('round-trips and refuses cursors of other segments or garbage', () => {
    expect(decodeCursor(encodeCursor('vip', 'p-1'), 'vip')).toBe('p-1');
    expect(() => decodeCursor(encodeCursor('vip', 'p-1'), 'other')).toThrow();
    expect(() => decodeCursor('garbage', 'vip')).toThrow();
  });
});
