/** Retrying with exponential backoff, for every service's I/O (Kafka, ClickHouse, webhooks). */
/** Exponential backoff: `baseMs`, doubling per attempt (1-based), capped at `maxMs`. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(maxMs, baseMs * 2 ** exponent);
}

/** Thrown when a retried operation gives up because its owner is stopping or lost the work. */
export class AbandonedError extends Error {
  constructor(
    readonly stage: string,
    readonly lastError: unknown,
  ) {
    super(
      `gave up on ${stage}: consumer stopping or partition reassigned (last error: ${errorText(lastError)})`,
    );
    this.name = 'AbandonedError';
  }
}

export interface RetryControl {
  /** False once the consumer is stopping or the partition was taken away: stop retrying. */
  shouldContinue(): boolean;
  /** Keeps the consumer group membership alive while waiting; may throw (rebalance). */
  heartbeat(): Promise<void>;
  sleep(ms: number): Promise<void>;
}

export interface RetryOptions {
  stage: string;
  baseMs: number;
  maxMs: number;
  /** Longest sleep between two heartbeats. */
  heartbeatEveryMs: number;
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}

/**
 * Runs `op` until it succeeds. After a failure it waits with exponential backoff, heartbeating at
 * least every `heartbeatEveryMs`, and tries again, for as long as `control.shouldContinue()`;
 * otherwise it throws `AbandonedError` (the work is redelivered to whoever owns it next).
 */
export async function retryUntilDone<T>(
  op: () => Promise<T>,
  control: RetryControl,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (e instanceof AbandonedError || !control.shouldContinue()) {
        throw e instanceof AbandonedError ? e : new AbandonedError(options.stage, e);
      }
      const delay = backoffDelay(attempt, options.baseMs, options.maxMs);
      options.onRetry?.(attempt, e, delay);
      let left = delay;
      while (left > 0) {
        const slice = Math.min(left, options.heartbeatEveryMs);
        await control.sleep(slice);
        left -= slice;
        if (!control.shouldContinue()) throw new AbandonedError(options.stage, e);
        await control.heartbeat();
      }
    }
  }
}

/** An error's message (and its cause's, when different), or the value as text, for logs. */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && cause.message !== e.message
      ? `${e.message} (${cause.message})`
      : e.message;
  }
  return String(e);
}

/** Resolves after `ms`, or at once when `signal` is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs a start-up step until it succeeds (its value) or `signal` aborts (undefined), waiting
 * with exponential backoff between attempts (cut short by the abort); `onRetry` hears of every
 * failure before its wait.
 */
export async function retryUntilAborted<T>(
  step: () => Promise<T>,
  signal: AbortSignal,
  options: {
    baseMs: number;
    maxMs: number;
    onRetry: (attempt: number, error: unknown, delayMs: number) => void;
  },
): Promise<T | undefined> {
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (signal.aborted) return undefined;
      const delay = backoffDelay(attempt, options.baseMs, options.maxMs);
      options.onRetry(attempt, e, delay);
      await sleep(delay, signal);
    }
  }
  return undefined;
}
