import type { EpochMs } from '../brand';
import { ACQUISITION_CHANNELS, firstTouchOf, nextFirstTouchChangeAt } from './acquisition-channel.trait';
import type { ComputedTraits } from './computed-traits';
import type { EventFact } from './event-fact';
import { leadScoreOf, nextLeadScoreChangeAt } from './lead-score.trait';
import { LIFECYCLE_STAGES, lifecycleStageOf, nextLifecycleStageChangeAt } from './lifecycle-stage.trait';
import { nextOrderTotalsChangeAt, orderTotalsOf } from './order-totals.trait';
import { ORDER_COMPLETED, ORDER_REFUNDED } from './order-history';
import {
  nextPurchaseFrequencyChangeAt,
  PURCHASE_FREQUENCIES,
  purchaseFrequencyOf,
} from './purchase-frequency.trait';
import { nextPurchaseStageChangeAt, PURCHASE_STAGES, purchaseStageOf } from './purchase-stage.trait';
import { nextRfmChangeAt, RFM_SEGMENTS, rfmOf } from './rfm.trait';
import { nextSeenAtChangeAt, seenAtOf } from './seen-at.trait';
import type { TraitsConfig } from './traits.config';

/** The value type of a computed trait as rule conditions see it. `datetime` is an ISO 8601 string. */
export type ComputedTraitType = 'string' | 'number' | 'datetime';
export type ComputedTraitValue = string | number | undefined;

/**
 * One computed trait as rules name it (`rfm.r`, not `rfm`): its type, allowed values for
 * enumerations, a one-line description (docs, API), how to read it from `ComputedTraits`,
 * how to compute it alone, and the earliest instant after `now` at which it may change
 * without a new event (undefined: never). Used by the validator (known trait names and
 * values), the evaluators, next-change times, and later the SQL compiler and docs.
 */
export interface ComputedTraitDefinition {
  name: string;
  type: ComputedTraitType;
  values?: readonly string[];
  description: string;
  read(traits: ComputedTraits): ComputedTraitValue;
  compute(events: readonly EventFact[], now: number, config: TraitsConfig): ComputedTraitValue;
  nextChangeAt(events: readonly EventFact[], now: number, config: TraitsConfig): EpochMs | undefined;
  /**
   * The names of the only events the trait reads: an event of another name never changes its
   * value nor its next change (so an evaluator may skip rules on it for such events). Absent:
   * it may read any event.
   */
  reads?: readonly string[];
}

/** What the order-based traits read: completed orders and refunds (OrderHistory). */
const ORDER_EVENTS: readonly string[] = [ORDER_COMPLETED, ORDER_REFUNDED];

const RFM_SCORES = 'score 1-5, see README.md; absent without completed orders';

export const COMPUTED_TRAITS: readonly ComputedTraitDefinition[] = [
  {
    name: 'lifecycleStage',
    type: 'string',
    values: LIFECYCLE_STAGES,
    description:
      'prospect (no completed order), churned (no order in 90 days), loyal (>= 3 orders in 180 days), active (>= 2 orders), new (1 order); first match in that order',
    read: (t) => t.lifecycleStage,
    compute: lifecycleStageOf,
    nextChangeAt: nextLifecycleStageChangeAt,
    reads: ORDER_EVENTS,
  },
  {
    name: 'purchaseFrequency',
    type: 'string',
    values: PURCHASE_FREQUENCIES,
    description: 'completed orders in 90 days: high >= 4, medium >= 2, low >= 1, else none',
    read: (t) => t.purchaseFrequency,
    compute: purchaseFrequencyOf,
    nextChangeAt: nextPurchaseFrequencyChangeAt,
    reads: ORDER_EVENTS,
  },
  {
    name: 'rfm.r',
    type: 'number',
    description: `recency: last completed order within 30/90/180/365 days -> 5/4/3/2, else 1 (${RFM_SCORES})`,
    read: (t) => t.rfm?.r,
    compute: (e, now, c) => rfmOf(e, now, c)?.r,
    nextChangeAt: nextRfmChangeAt,
    reads: ORDER_EVENTS,
  },
  {
    name: 'rfm.f',
    type: 'number',
    description: `frequency: completed orders in 365 days >= 2/3/5/8 -> 2/3/4/5, else 1 (${RFM_SCORES})`,
    read: (t) => t.rfm?.f,
    compute: (e, now, c) => rfmOf(e, now, c)?.f,
    nextChangeAt: nextRfmChangeAt,
    reads: ORDER_EVENTS,
  },
  {
    name: 'rfm.m',
    type: 'number',
    description: `monetary: net revenue in 365 days >= 100/500/1000/5000 -> 2/3/4/5, else 1 (${RFM_SCORES})`,
    read: (t) => t.rfm?.m,
    compute: (e, now, c) => rfmOf(e, now, c)?.m,
    nextChangeAt: nextRfmChangeAt,
    reads: ORDER_EVENTS,
  },
  {
    name: 'rfm.segment',
    type: 'string',
    values: RFM_SEGMENTS,
    description: 'named RFM segment from r, f, m (table in README.md); absent without completed orders',
    read: (t) => t.rfm?.segment,
    compute: (e, now, c) => rfmOf(e, now, c)?.segment,
    nextChangeAt: nextRfmChangeAt,
    reads: ORDER_EVENTS,
  },
  {
    name: 'acquisitionChannel',
    type: 'string',
    values: ACQUISITION_CHANNELS,
    description:
      'channel of the first touch (earliest event): paid, email, social, organic_search, referral, direct',
    read: (t) => t.acquisitionChannel,
    compute: (e, now, c) => firstTouchOf(e, now, c)?.channel,
    nextChangeAt: (e, now) => nextFirstTouchChangeAt(e, now),
  },
  {
    name: 'acquisitionSource',
    type: 'string',
    description:
      'source of the first touch: utm_source, else social platform / ad network, else referrer host',
    read: (t) => t.acquisitionSource,
    compute: (e, now, c) => firstTouchOf(e, now, c)?.source,
    nextChangeAt: (e, now) => nextFirstTouchChangeAt(e, now),
  },
  {
    name: 'purchaseStage',
    type: 'string',
    values: PURCHASE_STAGES,
    description:
      'most advanced stage seen: purchased (an order), decision (cart/checkout in 30 days), consideration, awareness',
    read: (t) => t.purchaseStage,
    compute: purchaseStageOf,
    nextChangeAt: nextPurchaseStageChangeAt,
  },
  {
    name: 'leadScore',
    type: 'number',
    description: 'sum of event weights halving every 30 whole UTC days of age, 2 decimals',
    read: (t) => t.leadScore,
    compute: leadScoreOf,
    nextChangeAt: nextLeadScoreChangeAt,
  },
  {
    name: 'orderCount',
    type: 'number',
    description: 'completed orders, all time',
    read: (t) => t.orderCount,
    compute: (e, now, c) => orderTotalsOf(e, now, c).orderCount,
    nextChangeAt: (e, now) => nextOrderTotalsChangeAt(e, now),
    reads: ORDER_EVENTS,
  },
  {
    name: 'totalRevenue',
    type: 'number',
    description: 'completed revenue minus refunded revenue, all time, 2 decimals',
    read: (t) => t.totalRevenue,
    compute: (e, now, c) => orderTotalsOf(e, now, c).totalRevenue,
    nextChangeAt: (e, now) => nextOrderTotalsChangeAt(e, now),
    reads: ORDER_EVENTS,
  },
  {
    name: 'firstSeenAt',
    type: 'datetime',
    description: 'ISO instant of the earliest event',
    read: (t) => t.firstSeenAt,
    compute: (e, now) => seenAtOf(e, now).firstSeenAt,
    nextChangeAt: (e, now) => nextSeenAtChangeAt(e, now),
  },
  {
    name: 'lastSeenAt',
    type: 'datetime',
    description: 'ISO instant of the latest event',
    read: (t) => t.lastSeenAt,
    compute: (e, now) => seenAtOf(e, now).lastSeenAt,
    nextChangeAt: (e, now) => nextSeenAtChangeAt(e, now),
  },
];

const BY_NAME = new Map(COMPUTED_TRAITS.map((t) => [t.name, t]));

/** The computed trait a rule names (`rfm.segment`), or undefined for identify traits. */
export const computedTraitNamed = (name: string): ComputedTraitDefinition | undefined => BY_NAME.get(name);

export const isComputedTraitName = (name: string): boolean => BY_NAME.has(name);
