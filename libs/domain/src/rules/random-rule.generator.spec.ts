import { randomHistory, randomNow, randomRule, randomTraits } from './random-rule.generator';
import { validateRule } from './rule.validator';
import { SeededRandom } from './seeded-random';

describe('random rules and histories', () => {
  it('are deterministic per seed', () => {
    const make = (seed: number) => {
      const random = new SeededRandom(seed);
      const now = randomNow(random);
      return {
        now,
        rule: randomRule(random, now),
        events: randomHistory(random, now),
        traits: randomTraits(random),
      };
    };
    expect(make(5)).toEqual(make(5));
    expect(make(5)).not.toEqual(make(6));
  });

  it('produce valid rules and histories with edges, ties and later-dated events', () => {
    let later = 0;
    let ties = 0;
    for (let seed = 1; seed <= 100; seed += 1) {
      const random = new SeededRandom(seed);
      const now = randomNow(random);
      expect(validateRule(randomRule(random, now)).ok).toBe(true);
      const events = randomHistory(random, now);
      expect(events.length).toBeLessThanOrEqual(16);
      later += events.filter((e) => e.occurredAt > now).length;
      ties += events.length - new Set(events.map((e) => e.occurredAt)).size;
    }
    expect(later).toBeGreaterThan(10);
    expect(ties).toBeGreaterThan(10);
  });
});
