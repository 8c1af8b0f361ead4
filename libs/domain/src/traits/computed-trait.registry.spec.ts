import { asEpochMs } from '../brand';
import { randomHistory, randomNow } from '../rules/random-rule.generator';
import { SeededRandom } from '../rules/seeded-random';
import { COMPUTED_TRAITS, computedTraitNamed, isComputedTraitName } from './computed-trait.registry';
import { computeTraits } from './computed-traits';
import { DAY_MS } from './trait-time';
import { traitsConfig } from './traits.config';

const config = traitsConfig();

describe('COMPUTED_TRAITS', () => {
  it('names every computed trait once, as rules address them', () => {
    const names = COMPUTED_TRAITS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([
      'lifecycleStage',
      'purchaseFrequency',
      'rfm.r',
      'rfm.f',
      'rfm.m',
      'rfm.segment',
      'acquisitionChannel',
      'acquisitionSource',
      'purchaseStage',
      'leadScore',
      'orderCount',
      'totalRevenue',
      'firstSeenAt',
      'lastSeenAt',
    ]);
    expect(isComputedTraitName('rfm.r')).toBe(true);
    expect(isComputedTraitName('rfm')).toBe(false);
    expect(computedTraitNamed('leadScore')?.type).toBe('number');
    for (const t of COMPUTED_TRAITS) expect(t.description.length).toBeGreaterThan(10);
  });

  it('computes each trait alone exactly as computeTraits does', () => {
    for (let seed = 1; seed <= 100; seed += 1) {
      const random = new SeededRandom(seed);
      const now = randomNow(random);
      const events = randomHistory(random, now, 16);
      const all = computeTraits(events, {}, now, config);
      for (const t of COMPUTED_TRAITS)
        expect([seed, t.name, t.compute(events, now, config)]).toEqual([seed, t.name, t.read(all)]);
      for (const t of COMPUTED_TRAITS) if (t.values) expect(t.values).toContain(t.read(all) ?? t.values[0]);
    }
  });

  it('never changes strictly before its next-change instant (random histories)', () => {
    for (let seed = 1; seed <= 120; seed += 1) {
      const random = new SeededRandom(seed);
      const now = randomNow(random);
      const events = randomHistory(random, now, 10);
      for (const t of COMPUTED_TRAITS) {
        const next = t.nextChangeAt(events, now, config);
        const before = t.compute(events, now, config);
        const end = next ?? now + 800 * DAY_MS;
        const probes = [end - 1, ...Array.from({ length: 8 }, () => now + random.next() * (end - now))];
        for (const probe of probes) {
          if (probe <= now || probe >= end) continue;
          expect([seed, t.name, probe, t.compute(events, asEpochMs(Math.floor(probe)), config)]).toEqual([
            seed,
            t.name,
            probe,
            before,
          ]);
        }
      }
    }
  });

  it('never changes its value nor its next change for an event it does not read (`reads`)', () => {
    const declared = COMPUTED_TRAITS.filter((t) => t.reads !== undefined);
    expect(declared.map((t) => t.name)).toEqual([
      'lifecycleStage',
      'purchaseFrequency',
      'rfm.r',
      'rfm.f',
      'rfm.m',
      'rfm.segment',
      'orderCount',
      'totalRevenue',
    ]);
    for (let seed = 1; seed <= 150; seed += 1) {
      const random = new SeededRandom(seed);
      const now = randomNow(random);
      const events = randomHistory(random, now, 12);
      // other events of the same random kinds, at random instants, added to the history
      const others = randomHistory(random, now, 12);
      for (const t of declared) {
        const extra = others.filter((e) => !(t.reads ?? []).includes(e.name));
        const more = [...events, ...extra].sort((a, b) => a.occurredAt - b.occurredAt);
        for (const at of [now, now + random.int(1, 200) * DAY_MS, now - random.int(1, 200) * DAY_MS]) {
          expect([seed, t.name, at, t.compute(more, at, config), t.nextChangeAt(more, at, config)]).toEqual([
            seed,
            t.name,
            at,
            t.compute(events, at, config),
            t.nextChangeAt(events, at, config),
          ]);
        }
      }
    }
  });
});
