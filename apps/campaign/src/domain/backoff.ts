/**
 * Delay before webhook attempt `attempt + 1` after attempt `attempt` (1-based) failed:
 * exponential (`baseMs * 2^(attempt-1)`, capped at `maxMs`) with "equal jitter": a uniformly
 * random point in the upper half, [d/2, d]. The jitter spreads retries of many deliveries
 * that failed together (an endpoint coming back is not hit by all of them at once); the lower
 * bound keeps the schedule exponential.
 */
export function retryDelayMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** `Retry-After` (seconds or an HTTP date) in ms from `nowMs`, when present and sensible. */
export function retryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}
