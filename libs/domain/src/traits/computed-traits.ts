import { firstTouchOf, type AcquisitionChannel } from './acquisition-channel.trait';
import type { EventFact } from './event-fact';
import { leadScoreOf } from './lead-score.trait';
import { lifecycleStageOf, type LifecycleStage } from './lifecycle-stage.trait';
import { orderTotalsOf } from './order-totals.trait';
import { purchaseFrequencyOf, type PurchaseFrequency } from './purchase-frequency.trait';
import { purchaseStageOf, type PurchaseStage } from './purchase-stage.trait';
import { rfmOf, type Rfm } from './rfm.trait';
import { seenAtOf } from './seen-at.trait';
import { DEFAULT_TRAITS_CONFIG, type TraitsConfig } from './traits.config';

/**
 * Every computed trait of a profile as of one instant (contract section 6; exact
 * definitions in README.md). Optional members are absent when undefined: `rfm` for a
 * profile without completed orders, the first-touch and seen-at traits and purchaseStage
 * for a profile without events.
 */
export interface ComputedTraits {
  lifecycleStage: LifecycleStage;
  purchaseFrequency: PurchaseFrequency;
  rfm?: Rfm;
  acquisitionChannel?: AcquisitionChannel;
  /** Not in the contract's list: the first touch's utm_source / platform / network / referrer host. */
  acquisitionSource?: string;
  purchaseStage?: PurchaseStage;
  leadScore: number;
  orderCount: number;
  totalRevenue: number;
  firstSeenAt?: string;
  lastSeenAt?: string;
}

/**
 * All computed traits of a profile as of `now`, from its events (only those at or before
 * `now` count) and the configuration. `traits` (identify traits) is part of the signature
 * for traits that will read them; none does today.
 */
export function computeTraits(
  events: readonly EventFact[],
  _traits: Readonly<Record<string, unknown>>,
  now: number,
  config: TraitsConfig = DEFAULT_TRAITS_CONFIG,
): ComputedTraits {
  const totals = orderTotalsOf(events, now, config);
  const out: ComputedTraits = {
    lifecycleStage: lifecycleStageOf(events, now, config),
    purchaseFrequency: purchaseFrequencyOf(events, now, config),
    leadScore: leadScoreOf(events, now, config),
    orderCount: totals.orderCount,
    totalRevenue: totals.totalRevenue,
  };
  const rfm = rfmOf(events, now, config);
  if (rfm !== undefined) out.rfm = rfm;
  const touch = firstTouchOf(events, now, config);
  if (touch !== undefined) out.acquisitionChannel = touch.channel;
  if (touch?.source !== undefined) out.acquisitionSource = touch.source;
  const stage = purchaseStageOf(events, now, config);
  if (stage !== undefined) out.purchaseStage = stage;
  const seen = seenAtOf(events, now);
  if (seen.firstSeenAt !== undefined) out.firstSeenAt = seen.firstSeenAt;
  if (seen.lastSeenAt !== undefined) out.lastSeenAt = seen.lastSeenAt;
  return out;
}
