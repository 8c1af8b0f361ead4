import { allSettledOrThrow } from './settle';

describe('allSettledOrThrow', () => {
  it('resolves with every value, in order', async () => {
    await expect(allSettledOrThrow([Promise.resolve(1), Promise.resolve('two')] as const)).resolves.toEqual([
      1,
      'two',
    ]);
  });

  it('fails with the first failure only once every sibling has finished', async () => {
    let slowDone = false;
    const slow = new Promise<void>((resolve) =>
      setTimeout(() => {
        slowDone = true;
        resolve();
      }, 30),
    );
    const failing = Promise.reject(new Error('first'));
    const later = new Promise<void>((_, reject) => setTimeout(() => reject(new Error('second')), 10));
    await expect(allSettledOrThrow([slow, failing, later] as const)).rejects.toThrow('first');
    expect(slowDone).toBe(true);
  });
});
