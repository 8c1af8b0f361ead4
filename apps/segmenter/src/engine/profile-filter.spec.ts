import { ProfileFilter } from './profile-filter';

describe('ProfileFilter', () => {
  it('never forgets an id it was given, however far it grows past its first capacity', () => {
    const f = new ProfileFilter(100);
    const ids = Array.from({ length: 20_000 }, (_, i) => `p-${i.toString(36)}-${(i * 7919) % 1000}`);
    for (const id of ids) f.add(id);
    for (const id of ids) expect(f.mightContain(id)).toBe(true);
    // an id taken for one already present (a false positive) is not counted: size is a lower bound
    expect(f.size).toBeLessThanOrEqual(ids.length);
    expect(f.size).toBeGreaterThan(ids.length * 0.95);
  });

  it('says no to almost every id it was not given (false positives near the rate asked)', () => {
    const f = new ProfileFilter(1000, 0.01);
    for (let i = 0; i < 50_000; i++) f.add(`known-${i}`);
    let maybe = 0;
    const probes = 50_000;
    for (let i = 0; i < probes; i++) if (f.mightContain(`unknown-${i}`)) maybe++;
    // layers of 1000, 2000, ... ids with shrinking rates: the sum stays about 2 %
    expect(maybe / probes).toBeLessThan(0.03);
  });

  it('by default takes about one unknown id in a thousand for a known one', () => {
    const f = new ProfileFilter(1024);
    for (let i = 0; i < 100_000; i++) f.add(`known-${i}`);
    let maybe = 0;
    const probes = 100_000;
    for (let i = 0; i < probes; i++) if (f.mightContain(`unknown-${i}`)) maybe++;
    expect(maybe / probes).toBeLessThan(0.003);
  });

  it('is empty at first and counts an id added twice once', () => {
    const f = new ProfileFilter();
    expect(f.mightContain('a')).toBe(false);
    f.add('a');
    f.add('a');
    expect(f.size).toBe(1);
    expect(f.mightContain('a')).toBe(true);
    expect(f.mightContain('b')).toBe(false);
  });
});
