import type { EventFact } from './event-fact';
import type { TraitsConfig } from './traits.config';

/** Canonical transaction event names (contract section 6). */
export const ORDER_COMPLETED = 'Order Completed';
export const ORDER_REFUNDED = 'Order Refunded';

/** One completed order or refund as of some instant: when, and the revenue it counts for. */
export interface MoneyFact {
  at: number;
  revenue: number;
}

/** The revenue an event counts for under `config.currency` (0 without revenue or in another currency). */
export function countedRevenue(event: EventFact, config: TraitsConfig): number {
  const revenue = event.revenue;
  if (revenue === undefined || !Number.isFinite(revenue)) return 0;
  if (config.currency !== undefined && event.currency !== undefined && event.currency !== config.currency)
    return 0;
  return revenue;
}

/**
 * A profile's completed orders and refunds that happened at or before `now`, oldest
 * first. Orders are `Order Completed` events (any source); refunds `Order Refunded`.
 * Cancellations are ignored (a cancelled order is normally never completed).
 */
export class OrderHistory {
  readonly orders: MoneyFact[] = [];
  readonly refunds: MoneyFact[] = [];

  constructor(events: readonly EventFact[], now: number, config: TraitsConfig) {
    for (const e of events) {
      if (e.occurredAt > now) continue;
      if (e.name === ORDER_COMPLETED)
        this.orders.push({ at: e.occurredAt, revenue: countedRevenue(e, config) });
      else if (e.name === ORDER_REFUNDED)
        this.refunds.push({ at: e.occurredAt, revenue: countedRevenue(e, config) });
    }
    inTimeOrder(this.orders);
    inTimeOrder(this.refunds);
  }

  /** The latest completed order's instant, if any. */
  get lastOrderAt(): number | undefined {
    return this.orders.at(-1)?.at;
  }

  /** Completed orders in the window `(now - lengthMs, now]`. */
  ordersWithin(now: number, lengthMs: number): number {
    let n = 0;
    for (const o of this.orders) if (o.at > now - lengthMs) n += 1;
    return n;
  }
}

/** Sorts by instant, unless already in order (histories usually are; sorting allocates). */
function inTimeOrder(facts: MoneyFact[]): void {
  for (let i = 1; i < facts.length; i++) {
    if (facts[i - 1].at > facts[i].at) {
      facts.sort((a, b) => a.at - b.at);
      return;
    }
  }
}

/** The instants of order and refund events after `now` (they change every order-based trait when they arrive). */
export function futureOrderInstants(events: readonly EventFact[], now: number): number[] {
  const out: number[] = [];
  for (const e of events) {
    if (e.occurredAt > now && (e.name === ORDER_COMPLETED || e.name === ORDER_REFUNDED))
      out.push(e.occurredAt);
  }
  return out;
}
