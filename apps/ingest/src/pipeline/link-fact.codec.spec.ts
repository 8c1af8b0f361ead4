import { identifierKey, linkFactsOf, type Identifier } from '@cdp/domain';
import { decodeLinkFact, encodeLinkFact, factIdOf } from './link-fact.codec';

const id = (kind: Identifier['kind'], value: string): Identifier => ({
  kind,
  value,
  key: identifierKey(kind, value),
});

describe('link fact codec', () => {
  const fact = linkFactsOf([id('userId', 'u-1'), id('anonymousId', 'a-1')], 'm-1', 1_793_520_000_000)!;

  it('the fact id depends only on the identifier set', () => {
    const other = linkFactsOf(
      [id('anonymousId', 'a-1'), id('userId', 'u-1'), id('userId', 'u-1')],
      'm-2',
      5,
    )!;
    expect(factIdOf(other)).toBe(factIdOf(fact));
    expect(factIdOf(fact)).toMatch(/^[0-9a-f]{64}$/);
    expect(factIdOf(linkFactsOf([id('anonymousId', 'a-1'), id('userId', 'u-2')], 'm-1', 1)!)).not.toBe(
      factIdOf(fact),
    );
  });

  it('round-trips through the topic record (key = fact id)', () => {
    const { key, value } = encodeLinkFact(fact);
    expect(key).toBe(factIdOf(fact));
    expect(decodeLinkFact(Buffer.from(value))).toEqual(fact);
  });

  it('rebuilds keys from kind and value and sorts identifiers', () => {
    const value = JSON.stringify({
      identifiers: [
        { kind: 'userId', value: 'u-1', key: 'forged' },
        { kind: 'anonymousId', value: 'a-1' },
      ],
      eventId: 'm-1',
      occurredAt: 1_793_520_000_000,
    });
    expect(decodeLinkFact(Buffer.from(value))).toEqual(fact);
  });

  it.each([
    ['no value', null],
    ['not JSON', Buffer.from('{')],
    ['an array', Buffer.from('[]')],
    [
      'one identifier',
      Buffer.from(
        JSON.stringify({ identifiers: [{ kind: 'userId', value: 'u' }], eventId: 'e', occurredAt: 1 }),
      ),
    ],
    [
      'an unknown kind',
      Buffer.from(
        JSON.stringify({
          identifiers: [
            { kind: 'ssn', value: '1' },
            { kind: 'userId', value: 'u' },
          ],
          eventId: 'e',
          occurredAt: 1,
        }),
      ),
    ],
    [
      'no event id',
      Buffer.from(
        JSON.stringify({
          identifiers: [
            { kind: 'anonymousId', value: 'a' },
            { kind: 'userId', value: 'u' },
          ],
          occurredAt: 1,
        }),
      ),
    ],
    [
      'a time ClickHouse cannot store',
      Buffer.from(
        JSON.stringify({
          identifiers: [
            { kind: 'anonymousId', value: 'a' },
            { kind: 'userId', value: 'u' },
          ],
          eventId: 'e',
          occurredAt: -5,
        }),
      ),
    ],
  ])('ignores a record with %s', (_what, bytes) => {
    expect(decodeLinkFact(bytes)).toBeUndefined();
  });
});
