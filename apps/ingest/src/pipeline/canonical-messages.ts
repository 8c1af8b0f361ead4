import type { CanonicalEvent } from '@cdp/domain';
import type { MergeRecord } from './identity-rows';

/** A canonical event on cdp.events: the CanonicalEvent plus the profile it was filed under. */
export type PublishedEvent = CanonicalEvent & { profileId: string };

/** A merge on cdp.events (keyed by the survivor). */
export interface IdentityMergedMessage {
  type: 'identity.merged';
  absorbedId: string;
  survivorId: string;
  /** The event whose link fact joined the two profiles. */
  eventId: string;
  /** When that event happened, epoch milliseconds (like CanonicalEvent.occurredAt). */
  occurredAt: number;
}

export interface OutgoingMessage {
  key: string;
  value: string;
}

export function eventMessage(event: CanonicalEvent, profileId: string): OutgoingMessage {
  const body: PublishedEvent = { ...event, profileId };
  return { key: profileId, value: JSON.stringify(body) };
}

export function mergeMessage(merge: MergeRecord): OutgoingMessage {
  const body: IdentityMergedMessage = {
    type: 'identity.merged',
    absorbedId: merge.absorbedId,
    survivorId: merge.survivorId,
    eventId: merge.eventId,
    occurredAt: merge.occurredAt,
  };
  return { key: merge.survivorId, value: JSON.stringify(body) };
}
