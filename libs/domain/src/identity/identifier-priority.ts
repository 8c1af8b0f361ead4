import type { Identifier, IdentifierKind } from '../events/canonical-event';
import { compareStrings } from './link-fact';

/**
 * How much an identifier kind is trusted to name exactly one person, strongest first (0). When a
 * link fact without a userId of its own would join profiles of different userIds, the weakest
 * kinds are set aside first (the Segment-style "drop the lowest-priority identifier" guard rail).
 * A shared device (anonymousId) or an ad click is weaker evidence than an order's customerId.
 */
const RANK: Record<IdentifierKind, number> = {
  userId: 0,
  customerId: 1,
  email: 2,
  phone: 3,
  social: 4,
  clickId: 5,
  anonymousId: 6,
};

/** Identifier kinds, strongest first. */
export const IDENTIFIER_KINDS_BY_PRIORITY: readonly IdentifierKind[] = (
  Object.keys(RANK) as IdentifierKind[]
).sort((a, b) => RANK[a] - RANK[b]);

/** 0 for the strongest kind (userId), larger for weaker kinds. */
export const kindRank = (kind: IdentifierKind): number => RANK[kind];

/** Strongest kind first, then by key: a total, deterministic order of identifiers. */
export function compareByPriority(a: Identifier, b: Identifier): number {
  return RANK[a.kind] - RANK[b.kind] || compareStrings(a.key, b.key);
}
