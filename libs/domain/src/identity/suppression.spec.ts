import type { CanonicalEvent } from '../events/canonical-event';
import { dropSuppressed, suppressionHashOf, SUPPRESSED } from './suppression';

const event = (keys: string[]): CanonicalEvent =>
  ({
    eventId: 'e-1',
    identifiers: keys.map((key) => ({
      kind: key.split(':')[0],
      value: key.split(':').slice(1).join(':'),
      key,
    })),
  }) as unknown as CanonicalEvent;

describe('suppression', () => {
  it('hashes identifier keys with sha256 hex', () => {
    expect(suppressionHashOf('email:lin@example.com')).toMatch(/^[0-9a-f]{64}$/);
    expect(suppressionHashOf('email:lin@example.com')).not.toBe(suppressionHashOf('email:lin@example.org'));
  });

  it('drops an event carrying any suppressed identifier and keeps the others', () => {
    const step = dropSuppressed(new Set([suppressionHashOf('email:lin@example.com')]));
    expect(step(event(['anonymousId:a-1', 'email:lin@example.com']))).toEqual({
      kind: 'drop',
      reason: SUPPRESSED,
    });
    expect(step(event(['anonymousId:a-1', 'email:other@example.com'])).kind).toBe('ok');
  });

  it('keeps everything when nothing is suppressed', () => {
    expect(dropSuppressed(new Set())(event(['userId:u-1'])).kind).toBe('ok');
  });
});
