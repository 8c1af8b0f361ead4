import { identifyTraitOf } from './profile-snapshot';

describe('identifyTraitOf', () => {
  const traits = {
    country: 'CN',
    'address.city': 'Shanghai',
    address: { zip: '200000', geo: { lat: 31 } },
    tags: ['a'],
  };

  it('reads the exact key first, then a dotted path', () => {
    expect(identifyTraitOf(traits, 'country')).toBe('CN');
    expect(identifyTraitOf(traits, 'address.city')).toBe('Shanghai');
    expect(identifyTraitOf(traits, 'address.zip')).toBe('200000');
    expect(identifyTraitOf(traits, 'address.geo.lat')).toBe(31);
  });

  it('is undefined for anything missing, including inherited names', () => {
    expect(identifyTraitOf(traits, 'email')).toBeUndefined();
    expect(identifyTraitOf(traits, 'address.street')).toBeUndefined();
    expect(identifyTraitOf(traits, 'tags.length')).toBeUndefined();
    expect(identifyTraitOf(traits, 'toString')).toBeUndefined();
    expect(identifyTraitOf(traits, 'country.length')).toBeUndefined();
  });
});
