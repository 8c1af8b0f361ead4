/** One dependency whose failure makes the service not ready (Kafka, ClickHouse, a bootstrap step). */
export interface HealthIndicator {
  readonly name: string;
  /** Resolves when healthy; rejects with a reason otherwise. */
  check(): Promise<void>;
}

export interface CheckResult {
  status: 'ok' | 'down';
  error?: string;
  ms: number;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, CheckResult>;
}

/** Aggregates the indicators that modules register at start-up. */
export class HealthService {
  private readonly indicators = new Map<string, HealthIndicator>();

  constructor(private readonly timeoutMs: number) {}

  register(indicator: HealthIndicator): void {
    this.indicators.set(indicator.name, indicator);
  }

  async readiness(): Promise<HealthReport> {
    const entries: [string, CheckResult][] = await Promise.all(
      [...this.indicators.values()].map(async (ind) => {
        const started = Date.now();
        try {
          await withTimeout(
            ind.check(),
            this.timeoutMs,
            `${ind.name} check timed out after ${this.timeoutMs} ms`,
          );
          return [ind.name, { status: 'ok', ms: Date.now() - started }] as [string, CheckResult];
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          return [ind.name, { status: 'down', error, ms: Date.now() - started }] as [string, CheckResult];
        }
      }),
    );
    const checks: Record<string, CheckResult> = Object.fromEntries(entries);
    const status = entries.every(([, r]) => r.status === 'ok') ? 'ok' : 'unavailable';
    return { status, checks };
  }
}

/** Rejects with `message` when `promise` has not settled after `ms` (a later rejection of it is absorbed). */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
