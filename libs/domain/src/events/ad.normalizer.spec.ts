import { asEpochMs } from '../brand';
import { normalizeAd } from './ad.normalizer';
import type { KafkaOrigin } from './canonical-event';

const origin: KafkaOrigin = { topic: 'cdp.raw.ad', partition: 1, offset: '900' };
const receivedAt = asEpochMs(Date.parse('2026-11-01T08:01:30Z'));

const example = {
  id: 'gads-5521',
  network: 'google_ads',
  type: 'click',
  occurredAt: '2026-11-01T08:01:00Z',
  anonymousId: 'a-77',
  userId: null,
  clickId: 'gclid-abc',
  campaign: { id: 'c-9', name: 'winter-sale' },
  adGroup: 'boots',
  creative: 'cr-3',
  cost: { amount: 0.42, currency: 'USD' },
};

const run = (value: unknown) => normalizeAd(value, receivedAt, origin);

describe('normalizeAd', () => {
  it('normalizes the contract example', () => {
    expect(run(example)).toEqual({
      kind: 'ok',
      value: {
        eventId: 'google_ads:gads-5521',
        source: 'ad',
        type: 'ad',
        name: 'Ad Click',
        occurredAt: Date.parse('2026-11-01T08:01:00Z'),
        receivedAt,
        identifiers: [
          { kind: 'anonymousId', value: 'a-77', key: 'anonymousId:a-77' },
          { kind: 'clickId', value: 'gclid-abc', key: 'clickId:gclid-abc' },
        ],
        properties: {
          network: 'google_ads',
          type: 'click',
          campaignId: 'c-9',
          campaignName: 'winter-sale',
          adGroup: 'boots',
          creative: 'cr-3',
          cost: 0.42,
          currency: 'USD',
          clickId: 'gclid-abc',
        },
        traits: {},
        context: { channel: 'google_ads', campaignName: 'winter-sale' },
        origin,
      },
    });
  });

  it.each([
    ['impression', 'Ad Impression'],
    ['click', 'Ad Click'],
    ['Conversion', 'Ad Conversion'],
  ])('names type %s %s', (type, name) => {
    expect(run({ ...example, type })).toMatchObject({ kind: 'ok', value: { name } });
  });

  it('accepts a minimal impression with a userId only', () => {
    expect(
      run({ id: 1, network: 'Meta', type: 'impression', occurredAt: '2026-11-01T08:00:00Z', userId: 'u-1' }),
    ).toEqual({
      kind: 'ok',
      value: {
        eventId: 'meta:1',
        source: 'ad',
        type: 'ad',
        name: 'Ad Impression',
        occurredAt: Date.parse('2026-11-01T08:00:00Z'),
        receivedAt,
        identifiers: [{ kind: 'userId', value: 'u-1', key: 'userId:u-1' }],
        properties: { network: 'meta', type: 'impression' },
        traits: {},
        context: { channel: 'meta' },
        origin,
      },
    });
  });

  it('reports every problem with its path', () => {
    const r = run({
      id: '',
      type: 'view',
      occurredAt: 1762000000,
      anonymousId: 'a-1',
      campaign: 'c-9',
      adGroup: { name: 'boots' },
      cost: { amount: -1, currency: 'dollars' },
    });
    expect(r).toEqual({
      kind: 'dlq',
      reason: 'validation_failed',
      problems: [
        { path: 'id', message: 'must be a non-empty string or a number' },
        { path: 'network', message: 'is required' },
        { path: 'type', message: 'must be one of: impression, click, conversion' },
        { path: 'occurredAt', message: 'must be an ISO 8601 date-time such as 2026-11-01T08:00:00Z' },
        { path: 'campaign', message: 'must be an object' },
        { path: 'adGroup', message: 'must be a non-empty string or a number' },
        { path: 'cost.amount', message: 'must not be negative' },
        { path: 'cost.currency', message: 'must be a three-letter currency code such as USD' },
      ],
    });
  });

  it('needs cost.amount and cost.currency when cost is given, and numbers', () => {
    expect(run({ ...example, cost: { amount: 'free' } })).toMatchObject({
      problems: [
        { path: 'cost.amount', message: 'must be a number' },
        { path: 'cost.currency', message: 'is required' },
      ],
    });
    expect(run({ ...example, cost: { amount: '0.42', currency: 'usd' } })).toMatchObject({
      kind: 'ok',
      value: { properties: { cost: 0.42, currency: 'USD' } },
    });
  });

  it('dead-letters an event without a usable identifier as missing_identifier', () => {
    const none = { ...example, anonymousId: undefined, clickId: 'null', userId: '' };
    expect(run(none)).toEqual({
      kind: 'dlq',
      reason: 'missing_identifier',
      problems: [
        {
          path: 'anonymousId',
          message:
            'at least one usable anonymousId, userId or clickId is required (placeholders such as "null" do not count)',
        },
      ],
    });
  });

  it('dead-letters a non-object', () => {
    expect(run(null)).toMatchObject({ kind: 'dlq', reason: 'not_an_object' });
  });
});
