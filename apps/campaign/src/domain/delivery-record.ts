/** What the delivery log (`campaign_deliveries`) says about one delivery. */
export type DeliveryStatus = 'pending' | 'sent' | 'held_out' | 'capped' | 'failed' | 'cancelled';

const RANK: Record<DeliveryStatus, number> = {
  pending: 1,
  held_out: 2,
  capped: 2,
  sent: 3,
  failed: 3,
  cancelled: 3,
};

/**
 * The ReplacingMergeTree version of a delivery row: grows with attempts, and for the same
 * number of attempts a final status outranks pending. So the latest state wins whatever order
 * rows were written in (a stale pending row written again after a redelivery never overrides
 * `sent`).
 */
export function rowVersion(status: DeliveryStatus, attempts: number): number {
  return attempts * 4 + RANK[status];
}

/** True for statuses after which nothing more happens to a delivery. */
export function isFinal(status: DeliveryStatus): boolean {
  return status !== 'pending';
}
