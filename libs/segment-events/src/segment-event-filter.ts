import type { SegmentEvent, SegmentEventType, SegmentTransition } from './segment-event';

/** Which segment events a handler wants: by segment id(s) and/or transition type. */
export interface SegmentEventFilter {
  segment?: string | readonly string[];
  /** `segment.entered` / `segment.exited`, or the short forms `entered` / `exited`. */
  type?: SegmentEventType | SegmentTransition;
}

export function matchesFilter(event: SegmentEvent, filter: SegmentEventFilter = {}): boolean {
  if (filter.segment !== undefined) {
    const wanted = typeof filter.segment === 'string' ? [filter.segment] : filter.segment;
    if (!wanted.includes(event.segment.id)) return false;
  }
  if (filter.type !== undefined) {
    const type = filter.type.startsWith('segment.') ? filter.type : `segment.${filter.type}`;
    if (event.type !== type) return false;
  }
  return true;
}
