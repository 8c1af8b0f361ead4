import { createHash } from 'node:crypto';
import type { CanonicalEvent } from '../events/canonical-event';
import { drop, ok, type StepResult } from '../step-result';

/**
 * GDPR erasure keeps a list of the erased person's identifiers so that their future events
 * are dropped. The list stores only this hash of each identifier key
 * (`email:lin@example.com`), never the identifier itself.
 */
export function suppressionHashOf(identifierKey: string): string {
  return createHash('sha256').update(identifierKey, 'utf8').digest('hex');
}

export const SUPPRESSED = 'suppressed';

/** Pipeline step: drops an event that carries any suppressed identifier. */
export function dropSuppressed(hashes: ReadonlySet<string>) {
  return (event: CanonicalEvent): StepResult<CanonicalEvent> => {
    if (hashes.size === 0) return ok(event);
    return event.identifiers.some((i) => hashes.has(suppressionHashOf(i.key))) ? drop(SUPPRESSED) : ok(event);
  };
}
