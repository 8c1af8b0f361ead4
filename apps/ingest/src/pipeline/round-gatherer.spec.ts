import { RoundGatherer, type RoundMember } from './round-gatherer';

describe('RoundGatherer', () => {
  function recorder(fail?: (items: readonly string[]) => boolean) {
    const rounds: string[][] = [];
    const gatherer = new RoundGatherer<string, string>(
      async (members: readonly RoundMember<string, string>[]) => {
        const items = members.flatMap((m) => m.items);
        rounds.push(members.map((m) => m.context));
        await new Promise((r) => setTimeout(r, 5));
        if (fail?.(items)) throw new Error(`round ${items.join(',')} failed`);
      },
      10,
    );
    return { rounds, gatherer };
  }

  it('runs the work handed over in the same turn as one round, and each caller settles with it', async () => {
    const { rounds, gatherer } = recorder();
    const settled: string[] = [];
    const a = gatherer.join(['a1', 'a2'], 'p0').then(() => settled.push('p0'));
    const b = gatherer.join(['b1'], 'p1').then(() => settled.push('p1'));
    const c = Promise.resolve().then(() => gatherer.join(['c1'], 'p2').then(() => settled.push('p2')));
    expect(rounds).toEqual([]); // nothing runs before the turn ends
    await Promise.all([a, b, c]);
    expect(rounds).toEqual([['p0', 'p1', 'p2']]);
    expect(settled.sort()).toEqual(['p0', 'p1', 'p2']);
  });

  it('runs a caller alone right after the turn, and a later caller in a round of its own', async () => {
    const { rounds, gatherer } = recorder();
    await gatherer.join(['x'], 'first');
    await gatherer.join(['y'], 'second');
    expect(rounds).toEqual([['first'], ['second']]);
  });

  it('caps a round at maxItems (a single larger caller still goes) and runs the rest in the next round', async () => {
    const { rounds, gatherer } = recorder();
    const six = ['1', '2', '3', '4', '5', '6'];
    await Promise.all([
      gatherer.join(six, 'p0'),
      gatherer.join(['7', '8', '9', '10'], 'p1'),
      gatherer.join(['11'], 'p2'),
      gatherer.join(
        Array.from({ length: 12 }, (_, i) => `big${i}`),
        'p3',
      ),
    ]);
    expect(rounds).toEqual([['p0', 'p1'], ['p2'], ['p3']]);
  });

  it('rejects every caller of a failed round, and only them', async () => {
    const { gatherer } = recorder((items) => items.includes('bad'));
    const failed = Promise.allSettled([gatherer.join(['bad'], 'p0'), gatherer.join(['good'], 'p1')]);
    const results = await failed;
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(gatherer.join(['good'], 'p1')).resolves.toBeUndefined();
  });

  it('refuses a cap that is not a positive integer', () => {
    expect(() => new RoundGatherer<string, string>(async () => undefined, 0)).toThrow(/maxItems/);
  });
});
