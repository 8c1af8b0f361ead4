import { createHash } from 'node:crypto';

/** Holdout granularity: buckets 0..9999, so `holdoutPercent` may have two decimals (12.5 %). */
export const HOLDOUT_BUCKETS = 10000;

/**
 * The profile's bucket for a campaign: the first 4 bytes of sha256("<campaign id>:<profile id>")
 * as an unsigned integer, mod 10000. Deterministic (the same person always lands in the same
 * group of a campaign) and independent across campaigns.
 */
export function holdoutBucket(campaignId: string, profileId: string): number {
  const digest = createHash('sha256').update(`${campaignId}:${profileId}`).digest();
  return digest.readUInt32BE(0) % HOLDOUT_BUCKETS;
}

/** True when the profile is in the campaign's control group (bucket < holdoutPercent * 100). */
export function isHeldOut(campaignId: string, profileId: string, holdoutPercent: number): boolean {
  if (holdoutPercent <= 0) return false;
  return holdoutBucket(campaignId, profileId) < Math.round(holdoutPercent * 100);
}
