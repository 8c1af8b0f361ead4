import { exampleSegmentEvent } from './testing';
import { SegmentEventDeduper } from './segment-event-deduper';
import { matchesFilter } from './segment-event-filter';
import { transitionOf } from './segment-event';

describe('SegmentEventDeduper', () => {
  it('reports the first sighting of an id as new and repeats as seen', () => {
    const d = new SegmentEventDeduper(10);
    expect(d.firstTime('a')).toBe(true);
    expect(d.firstTime('a')).toBe(false);
    expect(d.firstTime('b')).toBe(true);
    expect(d.size).toBe(2);
  });

  it('is bounded and forgets the least recently used id first', () => {
    const d = new SegmentEventDeduper(3);
    ['a', 'b', 'c'].forEach((id) => d.remember(id));
    expect(d.has('a')).toBe(true); // a is now the most recent
    d.remember('d'); // evicts b
    expect(d.size).toBe(3);
    expect(d.has('b')).toBe(false);
    expect(d.has('a')).toBe(true);
    expect(d.has('c')).toBe(true);
    expect(d.has('d')).toBe(true);
  });

  it('holds exactly `capacity` ids over a long run', () => {
    const d = new SegmentEventDeduper(1000);
    for (let i = 0; i < 10000; i++) d.remember(`id-${i}`);
    expect(d.size).toBe(1000);
    expect(d.has('id-8999')).toBe(false);
    expect(d.has('id-9000')).toBe(true);
    d.forget('id-9000');
    expect(d.has('id-9000')).toBe(false);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new SegmentEventDeduper(0)).toThrow(RangeError);
    expect(() => new SegmentEventDeduper(1.5)).toThrow(RangeError);
  });
});

describe('matchesFilter', () => {
  const entered = exampleSegmentEvent();
  const exited = exampleSegmentEvent({ type: 'segment.exited', segment: { id: 'churned', version: 1 } });

  it('matches everything without a filter', () => {
    expect(matchesFilter(entered)).toBe(true);
    expect(matchesFilter(exited, {})).toBe(true);
  });

  it('filters by segment id(s) and by type, short or long form', () => {
    expect(matchesFilter(entered, { segment: 'loyal-buyers' })).toBe(true);
    expect(matchesFilter(entered, { segment: ['churned', 'loyal-buyers'] })).toBe(true);
    expect(matchesFilter(entered, { segment: 'churned' })).toBe(false);
    expect(matchesFilter(entered, { type: 'entered' })).toBe(true);
    expect(matchesFilter(entered, { type: 'segment.entered' })).toBe(true);
    expect(matchesFilter(exited, { type: 'entered' })).toBe(false);
    expect(matchesFilter(exited, { segment: 'churned', type: 'exited' })).toBe(true);
  });

  it('transitionOf gives the short form', () => {
    expect(transitionOf('segment.entered')).toBe('entered');
    expect(transitionOf('segment.exited')).toBe('exited');
  });
});
