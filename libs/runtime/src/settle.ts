/**
 * Waits for every promise (none is left running when it returns or throws), then fails with the
 * first failure in the given order, or resolves with all the values. Unlike `Promise.all`, a
 * failure does not return while sibling writes are still in flight: a caller that retries, aborts
 * a transaction or reports the batch as failed knows that nothing of it is still running.
 */
export async function allSettledOrThrow<T extends readonly unknown[]>(promises: {
  [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
