import type { ProfileId } from '../brand';
import type { ComputedTraits } from '../traits/computed-traits';
import type { EventFact } from '../traits/event-fact';

/**
 * What the evaluator knows about one profile.
 * - `traits`: identify / source traits, latest value each, typed as sent (numbers stay
 *   numbers: no coercion happens during evaluation);
 * - `events`: the profile's events relevant to the active rules (and, when rules use
 *   computed traits without `computed`, the events those traits read: orders, refunds,
 *   weighted engagement, all events for first touch and seen-at);
 * - `computed`: computed traits as of the evaluation instant; when absent they are
 *   computed on demand from `events` with the configured thresholds;
 * - `segments`: the ids of the segments the profile is currently in (for `inSegment`).
 */
export interface ProfileSnapshot {
  profileId: ProfileId;
  traits: Readonly<Record<string, unknown>>;
  events: readonly EventFact[];
  computed?: ComputedTraits;
  segments?: ReadonlySet<string>;
}

/**
 * An identify trait by name: the exact key first (`"address.city"` as one key), else a
 * dotted path into nested objects (`address.city`); undefined when missing.
 */
export function identifyTraitOf(traits: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(traits, name)) return traits[name];
  if (!name.includes('.')) return undefined;
  let current: unknown = traits;
  for (const part of name.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
