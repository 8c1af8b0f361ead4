import {
  asEpochMs,
  asProfileId,
  computeTraits,
  DEFAULT_TRAITS_CONFIG,
  isMember,
  nextChangeAt,
  SEED_SEGMENTS,
  type ProfileSnapshot,
} from '@cdp/domain';
import { randomHistory, randomNow, randomRule, randomTraits } from '@cdp/domain/rules/random-rule.generator';
import { SeededRandom } from '@cdp/domain/rules/seeded-random';
import { nextFlipAt } from './next-flip';

const DAY = 86_400_000;
const ctx = { traitsConfig: DEFAULT_TRAITS_CONFIG };

describe('nextFlipAt', () => {
  it('only skips the engine walk when the rule really keeps its result (random rules and histories)', () => {
    const random = new SeededRandom(20261101);
    let skipped = 0;
    for (let i = 0; i < 1500; i++) {
      const now = randomNow(random);
      const rule = i % 5 === 0 ? SEED_SEGMENTS[i % SEED_SEGMENTS.length].rule : randomRule(random, now);
      const events = randomHistory(random, now, 12).filter((e) => e.occurredAt <= now);
      const traits = randomTraits(random);
      const snapshot: ProfileSnapshot = {
        profileId: asProfileId('p-1'),
        traits,
        events,
        segments: new Set(random.chance(0.5) ? ['vip'] : []),
        computed: computeTraits(events, traits, now, DEFAULT_TRAITS_CONFIG),
      };
      const fast = nextFlipAt(rule, snapshot, now, ctx);
      const { computed: _c, ...plain } = snapshot;
      const full = nextChangeAt(rule, plain, asEpochMs(now), ctx);
      if (fast !== undefined) {
        expect(fast).toBe(full);
        continue;
      }
      skipped += 1;
      // nothing flips: not at the engine's own answer, nor at any later probe
      const before = isMember(rule, plain, asEpochMs(now), ctx);
      for (const at of [full, now + 1, now + DAY, now + 15 * DAY, now + 95 * DAY, now + 400 * DAY]) {
        if (at === undefined) continue;
        expect([i, isMember(rule, plain, asEpochMs(at), ctx)]).toEqual([i, before]);
      }
    }
    expect(skipped).toBeGreaterThan(300);
  });
});
