import { epochMsOfRow, eventFactFromRow, traitValueFromRow, type EventFactRow } from './row-facts';

const row = (over: Partial<EventFactRow>): EventFactRow => ({
  name: 'Page Viewed',
  source: 'web',
  type: 'page',
  occurred_at: '2026-11-20 10:00:01',
  occurred_ms: 7,
  revenue: 0,
  currency: '',
  properties: '{"category":"shoes"}',
  utm_source: '',
  utm_medium: '',
  referrer: '',
  channel: '',
  ...over,
});

describe('row facts', () => {
  it('reads an events row back as the EventFact ingest wrote', () => {
    expect(eventFactFromRow(row({ utm_medium: 'cpc', referrer: 'https://x.org/' }))).toEqual({
      name: 'Page Viewed',
      source: 'web',
      occurredAt: Date.UTC(2026, 10, 20, 10, 0, 1, 7),
      properties: { category: 'shoes' },
      context: { utmMedium: 'cpc', referrer: 'https://x.org/' },
    });
    expect(epochMsOfRow('1970-01-01 00:00:00', 999)).toBe(999);
  });

  it('knows when the revenue column holds a canonical revenue (0 included) and when it is only the default', () => {
    expect(eventFactFromRow(row({ source: 'transaction', type: 'transaction', revenue: 0 })).revenue).toBe(0);
    expect(eventFactFromRow(row({ type: 'track', properties: '{"total":0}' })).revenue).toBe(0);
    expect(eventFactFromRow(row({ type: 'track', properties: '{"revenue":null}' })).revenue).toBeUndefined();
    expect(eventFactFromRow(row({})).revenue).toBeUndefined();
    expect(eventFactFromRow(row({ source: 'transaction', revenue: 12.5, currency: 'CNY' }))).toMatchObject({
      revenue: 12.5,
      currency: 'CNY',
    });
  });

  it('types trait values by value_type, without coercing "3" to 3', () => {
    expect(traitValueFromRow('3', 'string')).toBe('3');
    expect(traitValueFromRow('3', 'number')).toBe(3);
    expect(traitValueFromRow('false', 'boolean')).toBe(false);
    expect(traitValueFromRow('{"city":"x"}', 'json')).toEqual({ city: 'x' });
    expect(traitValueFromRow('null', 'json')).toBeNull();
  });
});
