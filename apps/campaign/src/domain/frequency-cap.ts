import { capWindowMs, type FrequencyCap } from './campaign-definition';

/** A decision already made for the same campaign and profile (from ClickHouse or memory). */
export interface PriorDecision {
  deliveryId: string;
  status: string;
  /** The triggering segment event's `occurredAt`, epoch ms. */
  triggeredAtMs: number;
}

/** Statuses that count against a frequency cap: sent, or on its way (pending). */
export const CAPPED_STATUSES: ReadonlySet<string> = new Set(['pending', 'sent']);

/**
 * How many of `prior` count against the cap for a transition at `atMs`: pending or sent
 * deliveries triggered less than one window away from it, on either side. Event time, not
 * wall-clock time, so a replay decides the same; both sides, so a transition that arrives out
 * of order (older than one already sent) cannot slip in next to it. For `max: 1` this keeps
 * every two deliveries at least one window apart.
 */
export function countTowardsCap(prior: readonly PriorDecision[], atMs: number, cap: FrequencyCap): number {
  const window = capWindowMs(cap.per);
  return prior.filter((p) => CAPPED_STATUSES.has(p.status) && Math.abs(p.triggeredAtMs - atMs) < window)
    .length;
}

/** True when a new delivery at `atMs` would exceed the cap. */
export function isCapped(prior: readonly PriorDecision[], atMs: number, cap: FrequencyCap | null): boolean {
  return cap !== null && countTowardsCap(prior, atMs, cap) >= cap.max;
}
