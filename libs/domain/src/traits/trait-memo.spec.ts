import { matchesEvent, measureEventCondition } from '../rules/event-measure';
import { randomEventCondition, randomHistory, randomNow } from '../rules/random-rule.generator';
import type { EventCondition } from '../rules/rule.model';
import { SeededRandom } from '../rules/seeded-random';
import { COMPUTED_TRAITS, computedTraitNamed } from './computed-trait.registry';
import type { EventFact } from './event-fact';
import { DAY_MS } from './trait-time';
import { traitsConfig } from './traits.config';
import { TraitMemo } from './trait-memo';

const config = traitsConfig();

describe('TraitMemo', () => {
  it('answers exactly what each trait computes, at every instant asked (random histories)', () => {
    for (let seed = 1; seed <= 40; seed += 1) {
      const random = new SeededRandom(seed);
      const now = randomNow(random);
      const events = randomHistory(random, now, 16);
      const memo = new TraitMemo();
      for (const at of [now, now + DAY_MS, now, now + 40 * DAY_MS]) {
        for (const t of COMPUTED_TRAITS) {
          expect([seed, t.name, memo.value(t, events, at, config)]).toEqual([
            seed,
            t.name,
            t.compute(events, at, config),
          ]);
          expect([seed, t.name, memo.nextChangeAt(t, events, at, config)]).toEqual([
            seed,
            t.name,
            t.nextChangeAt(events, at, config),
          ]);
        }
      }
    }
  });

  it('computes a (trait, instant) once per history and forgets it when the history changes', () => {
    const orderCount = computedTraitNamed('orderCount');
    if (orderCount === undefined) throw new Error('orderCount is a computed trait');
    const calls: number[] = [];
    const counting = {
      ...orderCount,
      compute: (e: readonly EventFact[], now: number, c: typeof config) => {
        calls.push(now);
        return orderCount.compute(e, now, c);
      },
    };
    const order = (at: number): EventFact => ({
      name: 'Order Completed',
      source: 'web',
      occurredAt: at as EventFact['occurredAt'],
      properties: {},
      revenue: 10,
    });
    const memo = new TraitMemo();
    const one = [order(1000)];
    expect(memo.value(counting, one, 5000, config)).toBe(1);
    expect(memo.value(counting, one, 5000, config)).toBe(1);
    expect(calls).toEqual([5000]);
    // a new history (the profile got an event): the old answers are gone
    const two = [order(1000), order(2000)];
    expect(memo.value(counting, two, 5000, config)).toBe(2);
    expect(calls).toEqual([5000, 5000]);
    // another configuration is another question too
    expect(memo.value(counting, two, 5000, traitsConfig({}))).toBe(2);
    expect(calls).toEqual([5000, 5000, 5000]);
  });

  it('keeps the events matching each condition per history, and measures with them exactly', () => {
    const random = new SeededRandom(11);
    for (let seed = 0; seed < 30; seed += 1) {
      const now = randomNow(random);
      const events = randomHistory(random, now, 20);
      const condition = randomEventCondition(random, now);
      if (!('event' in condition)) continue;
      const memo = new TraitMemo();
      let calls = 0;
      const counting = (c: EventCondition, e: EventFact): boolean => {
        calls += 1;
        return matchesEvent(c, e);
      };
      // asked once: not filtered (a single measurement scans the history itself)
      expect(memo.matching(condition, events, counting)).toBeUndefined();
      expect(calls).toBe(0);
      const found = memo.matching(condition, events, counting);
      expect(memo.matching(condition, events, counting)).toBe(found);
      expect(calls).toBe(events.length);
      expect(found).toEqual(events.filter((e) => matchesEvent(condition, e)));
      for (const at of [now, now + DAY_MS, now + 31 * DAY_MS]) {
        expect(measureEventCondition(condition, events, at, memo)).toEqual(
          measureEventCondition(condition, events, at),
        );
      }
      // another history: matched again (on its second request)
      const more = [...events];
      memo.matching(condition, more, counting);
      memo.matching(condition, more, counting);
      expect(calls).toBe(2 * events.length);
    }
  });
});
