import { performance } from 'node:perf_hooks';

/**
 * Runs `step` for every item and gives the event loop a turn whenever a slice of `sliceMs`
 * has been used: one partition's long evaluation must not hold up the network round trips
 * (transactions, reads) of the others sharing the process. Resolves with the time spent in
 * `step` itself, in seconds (the turns given away excluded).
 */
export async function eachCooperatively<T>(
  items: Iterable<T>,
  step: (item: T) => void,
  sliceMs = 5,
): Promise<number> {
  let busy = 0;
  let sliceStart = performance.now();
  for (const item of items) {
    step(item);
    const now = performance.now();
    if (now - sliceStart >= sliceMs) {
      busy += now - sliceStart;
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return (busy + performance.now() - sliceStart) / 1000;
}
