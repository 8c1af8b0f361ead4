import type { SegmentEvent } from '@cdp/segment-events';
import type { CampaignDefinition } from './campaign-definition';
import type { DeliveryStatus } from './delivery-record';
import { isCapped, type PriorDecision } from './frequency-cap';
import { isHeldOut } from './holdout';

/** Where a segment event was read (for commits, ownership of its delivery and dead letters). */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

/** A segment event that triggers a campaign, before the decision. */
export interface Candidate {
  deliveryId: string;
  campaign: CampaignDefinition;
  event: SegmentEvent;
  triggeredAtMs: number;
  source: SourcePosition;
}

export type DecisionStatus = Extract<DeliveryStatus, 'pending' | 'held_out' | 'capped'>;

export interface Decision {
  candidate: Candidate;
  status: DecisionStatus;
}

/** Key of the decisions of one campaign for one profile. */
export const pairKey = (campaignId: string, profileId: string): string => `${campaignId}\u0000${profileId}`;

/**
 * Decides, in order, what to do for each candidate:
 * 1. a delivery id already decided (`prior` or earlier in the batch) is a duplicate: nothing;
 * 2. a profile in the campaign's holdout is `held_out` (recorded, never sent);
 * 3. a profile at its frequency cap (pending or sent deliveries in the window) is `capped`;
 * 4. otherwise `pending`: the delivery worker will send it.
 * `prior` (per campaign and profile) is extended with the batch's own decisions, so later
 * candidates in the batch count earlier ones.
 */
export function decide(
  candidates: readonly Candidate[],
  prior: Map<string, PriorDecision[]>,
): { decisions: Decision[]; duplicates: Candidate[] } {
  const decisions: Decision[] = [];
  const duplicates: Candidate[] = [];
  const decided = new Set<string>();
  for (const list of prior.values()) for (const p of list) decided.add(p.deliveryId);

  for (const c of candidates) {
    if (decided.has(c.deliveryId)) {
      duplicates.push(c);
      continue;
    }
    const key = pairKey(c.campaign.id, c.event.profileId);
    const history = prior.get(key) ?? [];
    let status: DecisionStatus;
    if (isHeldOut(c.campaign.id, c.event.profileId, c.campaign.holdoutPercent)) status = 'held_out';
    else if (isCapped(history, c.triggeredAtMs, c.campaign.frequencyCap)) status = 'capped';
    else status = 'pending';
    decisions.push({ candidate: c, status });
    decided.add(c.deliveryId);
    history.push({ deliveryId: c.deliveryId, status, triggeredAtMs: c.triggeredAtMs });
    prior.set(key, history);
  }
  return { decisions, duplicates };
}
