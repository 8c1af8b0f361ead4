import type { EpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { EarliestAfter, toIso } from './trait-time';

/** firstSeenAt and lastSeenAt as of `now`: ISO instants of the earliest and latest event at or before `now`. */
export interface SeenAt {
  firstSeenAt?: string;
  lastSeenAt?: string;
}

export function seenAtOf(events: readonly EventFact[], now: number): SeenAt {
  let first: number | undefined;
  let last: number | undefined;
  for (const e of events) {
    if (e.occurredAt > now) continue;
    if (first === undefined || e.occurredAt < first) first = e.occurredAt;
    if (last === undefined || e.occurredAt > last) last = e.occurredAt;
  }
  if (first === undefined || last === undefined) return {};
  return { firstSeenAt: toIso(first), lastSeenAt: toIso(last) };
}

/** lastSeenAt (and firstSeenAt, for a profile without events yet) changes when the next event arrives. */
export function nextSeenAtChangeAt(events: readonly EventFact[], now: number): EpochMs | undefined {
  const next = new EarliestAfter(now);
  for (const e of events) next.offer(e.occurredAt);
  return next.value;
}
