import { computedTraitNamed, type Rule } from '@cdp/domain';

/**
 * True when, without a new event, a non-member can never become a member of `rule` as time
 * passes: only then is the initial membership "the members now" (one SQL query) plus the
 * current members; otherwise a profile outside the segment now may enter later by time alone
 * (`count eq 0`, `lastSeen olderThan`, computed traits such as churn, `not`, ...) and every
 * profile must be evaluated to schedule that instant.
 *
 * Holds for `all`/`any` of: identify-trait conditions (constant), event conditions whose
 * measure is `count gte/gt` (or absent: count >= 1) or `lastSeen newerThan` (events only leave
 * windows, so these only turn false). Not for `not`, `inSegment`, computed traits, `sum`
 * (negative amounts leaving a window raise it), `firstSeen`, or other count operators.
 */
export function entryOnlyByEvents(rule: Rule): boolean {
  if ('all' in rule) return rule.all.every(entryOnlyByEvents);
  if ('any' in rule) return rule.any.every(entryOnlyByEvents);
  if ('not' in rule || 'inSegment' in rule) return false;
  if ('trait' in rule) return computedTraitNamed(rule.trait) === undefined;
  if (rule.sum !== undefined || rule.firstSeen !== undefined) return false;
  if (rule.lastSeen !== undefined) return rule.lastSeen.newerThan !== undefined;
  if (rule.count === undefined) return true;
  return rule.count.gte !== undefined || rule.count.gt !== undefined;
}
