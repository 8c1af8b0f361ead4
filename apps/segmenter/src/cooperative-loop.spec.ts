import { eachCooperatively } from './cooperative-loop';

const spin = (ms: number): void => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
};

describe('eachCooperatively', () => {
  it('runs every step in order', async () => {
    const seen: number[] = [];
    await eachCooperatively([1, 2, 3, 4], (x) => seen.push(x));
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('lets a timer fire between slices of a long run, which a plain loop would not', async () => {
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    await eachCooperatively(
      Array.from({ length: 10 }, (_, i) => i),
      (i) => {
        spin(3);
        order.push(`step${i}`);
      },
      5,
    );
    const timerAt = order.indexOf('timer');
    expect(timerAt).toBeGreaterThan(0);
    expect(timerAt).toBeLessThan(order.length - 1);
  });

  it('reports the time spent in the steps, not in the turns given away', async () => {
    setTimeout(() => spin(60), 0);
    const started = Date.now();
    const busy = await eachCooperatively([1, 2, 3, 4], () => spin(4), 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(busy).toBeGreaterThanOrEqual(0.01);
    expect(busy).toBeLessThan(0.05);
  });
});
