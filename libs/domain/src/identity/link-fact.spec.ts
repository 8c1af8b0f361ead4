import type { Identifier, IdentifierKind } from '../events/canonical-event';
import {
  compareLinkFacts,
  compareStrings,
  distinctIdentifiers,
  linkFactsOf,
  type LinkFact,
} from './link-fact';

const id = (kind: IdentifierKind, value: string): Identifier => ({ kind, value, key: `${kind}:${value}` });

describe('linkFactsOf', () => {
  it('links the identifiers of an identify call', () => {
    const fact = linkFactsOf([id('userId', 'u-1001'), id('anonymousId', 'a-77')], 'm-1', 1000);
    expect(fact).toEqual({
      identifiers: [id('anonymousId', 'a-77'), id('userId', 'u-1001')],
      eventId: 'm-1',
      occurredAt: 1000,
    });
  });

  it('links every identifier of a transaction, deduplicated and sorted by key', () => {
    const input = [
      id('userId', 'u-1001'),
      id('email', 'lin@example.com'),
      id('customerId', 'c-55'),
      id('userId', 'u-1001'),
    ];
    const fact = linkFactsOf(input, 'o-3001:completed', 5);
    expect(fact?.identifiers.map((i) => i.key)).toEqual([
      'customerId:c-55',
      'email:lin@example.com',
      'userId:u-1001',
    ]);
    expect(input).toHaveLength(4);
    expect(input[0].key).toBe('userId:u-1001');
  });

  it('gives the same fact whatever order the message listed its identifiers in', () => {
    const a = [id('social', 'weibo:lin_mei'), id('userId', 'u-1001'), id('email', 'lin@example.com')];
    expect(linkFactsOf(a, 'e', 1)).toEqual(linkFactsOf([...a].reverse(), 'e', 1));
  });

  it('returns nothing for fewer than two distinct identifiers', () => {
    expect(linkFactsOf([], 'e', 1)).toBeUndefined();
    expect(linkFactsOf([id('anonymousId', 'a-1')], 'e', 1)).toBeUndefined();
    expect(linkFactsOf([id('anonymousId', 'a-1'), id('anonymousId', 'a-1')], 'e', 1)).toBeUndefined();
  });

  it('keeps the first of duplicate keys', () => {
    const first = id('email', 'x@example.com');
    const second = { ...first };
    expect(distinctIdentifiers([first, second])[0]).toBe(first);
  });
});

describe('compareLinkFacts', () => {
  const fact = (eventId: string, occurredAt: number, ...values: string[]): LinkFact => ({
    eventId,
    occurredAt,
    identifiers: values.map((v) => id('anonymousId', v)),
  });

  it('orders by time, then event id, then identifiers', () => {
    const facts = [
      fact('b', 2, 'x', 'y'),
      fact('a', 2, 'x', 'z'),
      fact('z', 1, 'x', 'y'),
      fact('a', 2, 'x', 'y'),
    ];
    expect([...facts].sort(compareLinkFacts)).toEqual([facts[2], facts[3], facts[1], facts[0]]);
    expect(compareLinkFacts(facts[0], { ...facts[0] })).toBe(0);
  });

  it('compares strings by code unit, not locale', () => {
    expect(['b', 'B', 'a', 'é', 'e'].sort(compareStrings)).toEqual(['B', 'a', 'b', 'e', 'é']);
  });
});
