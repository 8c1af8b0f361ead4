import { lookupByEventPattern, matchesAnyEventPattern, matchesEventPattern } from './event-name-pattern';

describe('event name patterns', () => {
  it('matches exact names and * prefixes', () => {
    expect(matchesEventPattern('Social Like', 'Social *')).toBe(true);
    expect(matchesEventPattern('Socially', 'Social *')).toBe(false);
    expect(matchesEventPattern('Product Viewed', 'Product Viewed')).toBe(true);
    expect(matchesEventPattern('product viewed', 'Product Viewed')).toBe(false);
    expect(matchesAnyEventPattern('Ad Click', ['Product Viewed', 'Ad *'])).toBe(true);
  });

  it('looks up the exact name first, then the longest prefix', () => {
    const table = { 'Social *': 2, 'Social Li*': 3, 'Social Share': 7 };
    expect(lookupByEventPattern('Social Share', table)).toBe(7);
    expect(lookupByEventPattern('Social Like', table)).toBe(3);
    expect(lookupByEventPattern('Social Comment', table)).toBe(2);
    expect(lookupByEventPattern('Page Viewed', table)).toBeUndefined();
    expect(lookupByEventPattern('toString', table)).toBeUndefined();
  });
});
