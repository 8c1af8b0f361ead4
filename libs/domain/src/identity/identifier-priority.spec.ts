import type { Identifier, IdentifierKind } from '../events/canonical-event';
import { compareByPriority, IDENTIFIER_KINDS_BY_PRIORITY, kindRank } from './identifier-priority';

const id = (kind: IdentifierKind, value: string): Identifier => ({ kind, value, key: `${kind}:${value}` });

describe('identifier priority', () => {
  it('ranks every kind, userId strongest and anonymousId weakest', () => {
    expect(IDENTIFIER_KINDS_BY_PRIORITY).toEqual([
      'userId',
      'customerId',
      'email',
      'phone',
      'social',
      'clickId',
      'anonymousId',
    ]);
    expect(kindRank('userId')).toBe(0);
    expect(kindRank('anonymousId')).toBeGreaterThan(kindRank('clickId'));
  });

  it('orders identifiers by kind, then key', () => {
    const ids = [id('anonymousId', 'a'), id('email', 'b@x'), id('email', 'a@x'), id('userId', 'z')];
    expect([...ids].sort(compareByPriority).map((i) => i.key)).toEqual([
      'userId:z',
      'email:a@x',
      'email:b@x',
      'anonymousId:a',
    ]);
  });
});
