import { parseIsoTimestamp } from './iso-timestamp';

describe('parseIsoTimestamp', () => {
  it.each([
    ['2026-11-01T08:00:00Z', Date.UTC(2026, 10, 1, 8, 0, 0)],
    ['2026-11-01T08:00:00.123Z', Date.UTC(2026, 10, 1, 8, 0, 0, 123)],
    ['2026-11-01T08:00:00.123456789Z', Date.UTC(2026, 10, 1, 8, 0, 0, 123)],
    ['2026-11-01T08:00:00,5Z', Date.UTC(2026, 10, 1, 8, 0, 0, 500)],
    ['2026-11-01T16:00:00+08:00', Date.UTC(2026, 10, 1, 8, 0, 0)],
    ['2026-11-01T03:30:00-0430', Date.UTC(2026, 10, 1, 8, 0, 0)],
    ['2026-11-01T10:00:00+02', Date.UTC(2026, 10, 1, 8, 0, 0)],
    ['2026-11-01 08:00:00Z', Date.UTC(2026, 10, 1, 8, 0, 0)],
    ['2026-11-01t08:00z', Date.UTC(2026, 10, 1, 8, 0, 0)],
    ['2026-11-01T08:00:00', Date.UTC(2026, 10, 1, 8, 0, 0)],
    ['2026-11-01', Date.UTC(2026, 10, 1)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2026-12-31T24:00:00Z', Date.UTC(2027, 0, 1)],
    ['  2026-11-01T08:00:00Z  ', Date.UTC(2026, 10, 1, 8, 0, 0)],
  ])('parses %s', (input, expected) => {
    expect(parseIsoTimestamp(input)).toBe(expected);
  });

  it('keeps years below 100 as they are', () => {
    expect(parseIsoTimestamp('0050-01-01T00:00:00Z')).toBe(new Date('0050-01-01T00:00:00Z').getTime());
  });

  it.each([
    'yesterday',
    '',
    '2026-11-01T08:00:00+25:00',
    '2026-13-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-04-31',
    '2026-11-01T25:00:00Z',
    '2026-11-01T24:00:01Z',
    '2026-11-01T08:60:00Z',
    '20261101T080000Z',
    'Sun, 01 Nov 2026 08:00:00 GMT',
    '1762000000000',
  ])('rejects %j', (input) => {
    expect(parseIsoTimestamp(input)).toBeUndefined();
  });

  it.each([1762000000000, null, undefined, {}, new Date(0)])('rejects the non-string %p', (input) => {
    expect(parseIsoTimestamp(input)).toBeUndefined();
  });
});
