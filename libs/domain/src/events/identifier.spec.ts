import {
  checkIdentifier,
  checkSocialIdentifier,
  identifierKey,
  makeIdentifier,
  normalizeEmail,
  uniqueIdentifiers,
} from './identifier';

describe('makeIdentifier', () => {
  it('trims ids and builds the key', () => {
    expect(makeIdentifier('userId', '  u-1001 ')).toEqual({
      kind: 'userId',
      value: 'u-1001',
      key: 'userId:u-1001',
    });
  });

  it('keeps the case of ids other than emails and handles', () => {
    expect(makeIdentifier('anonymousId', 'A-77')?.value).toBe('A-77');
    expect(makeIdentifier('clickId', 'gclid-ABC')?.key).toBe('clickId:gclid-ABC');
  });

  it('stringifies numeric ids', () => {
    expect(makeIdentifier('userId', 12345)).toEqual({ kind: 'userId', value: '12345', key: 'userId:12345' });
    expect(makeIdentifier('customerId', 1.5)?.value).toBe('1.5');
  });

  it.each([
    '',
    '   ',
    'null',
    'NULL',
    'undefined',
    'nil',
    'None',
    'n/a',
    'N/A',
    '0',
    'anonymous',
    '[object Object]',
  ])('rejects the placeholder %j', (junk) => {
    expect(makeIdentifier('userId', junk)).toBeUndefined();
    expect(checkIdentifier('anonymousId', junk)).toEqual({ status: 'junk' });
  });

  it('treats absent values as junk and wrong types as invalid', () => {
    expect(checkIdentifier('userId', null)).toEqual({ status: 'junk' });
    expect(checkIdentifier('userId', undefined)).toEqual({ status: 'junk' });
    expect(checkIdentifier('userId', 0)).toEqual({ status: 'junk' });
    expect(checkIdentifier('userId', { id: 1 })).toEqual({
      status: 'invalid',
      message: 'must be a string or a number',
    });
    expect(checkIdentifier('userId', true)).toMatchObject({ status: 'invalid' });
    expect(checkIdentifier('userId', Number.NaN)).toEqual({
      status: 'invalid',
      message: 'must be a finite number',
    });
  });

  describe('emails', () => {
    it('lower-cases and trims', () => {
      expect(makeIdentifier('email', ' Lin@Example.COM ')).toEqual({
        kind: 'email',
        value: 'lin@example.com',
        key: 'email:lin@example.com',
      });
    });

    it('keeps ordinary example.com addresses', () => {
      expect(normalizeEmail('alice@example.com')).toBe('alice@example.com');
    });

    it.each([
      'test@test.com',
      'TEST@example.com',
      'email@example.com',
      'noreply@shop.cn',
      'no-reply@mail.com',
      'null',
    ])('treats %j as junk', (junk) => {
      expect(checkIdentifier('email', junk)).toEqual({ status: 'junk' });
    });

    it.each(['lin.example.com', 'a@b@c', '@example.com', 'lin@', 'lin mei@example.com'])(
      'rejects the malformed %j',
      (bad) => {
        expect(checkIdentifier('email', bad)).toEqual({
          status: 'invalid',
          message: 'must be an email address with exactly one "@" and text on both sides',
        });
      },
    );

    it('does not take numbers as emails', () => {
      expect(checkIdentifier('email', 42)).toEqual({ status: 'invalid', message: 'must be a string' });
    });
  });

  describe('social handles', () => {
    it('lower-cases and strips a leading @', () => {
      expect(makeIdentifier('social', '@Lin_Mei')?.value).toBe('lin_mei');
      expect(makeIdentifier('social', 'Weibo:@Lin_Mei')).toEqual({
        kind: 'social',
        value: 'weibo:lin_mei',
        key: 'social:weibo:lin_mei',
      });
    });

    it('builds platform-prefixed identifiers', () => {
      expect(checkSocialIdentifier('weibo', ' @Lin_Mei ')).toEqual({
        status: 'ok',
        identifier: { kind: 'social', value: 'weibo:lin_mei', key: 'social:weibo:lin_mei' },
      });
      expect(checkSocialIdentifier('weibo', '@null')).toEqual({ status: 'junk' });
      expect(checkSocialIdentifier('weibo', '@')).toEqual({ status: 'junk' });
      expect(checkSocialIdentifier('weibo', null)).toEqual({ status: 'junk' });
      expect(checkSocialIdentifier('weibo', 'lin mei')).toMatchObject({ status: 'invalid' });
      expect(checkSocialIdentifier('weibo', ['x'])).toMatchObject({ status: 'invalid' });
    });

    it('rejects an empty platform', () => {
      expect(checkIdentifier('social', ':lin')).toMatchObject({ status: 'invalid' });
    });
  });

  describe('phones', () => {
    it('keeps digits and a leading +', () => {
      expect(makeIdentifier('phone', '+86 (138) 0013-8000')?.value).toBe('+8613800138000');
      expect(makeIdentifier('phone', 13800138000)?.value).toBe('13800138000');
    });

    it('rejects letters and all-zero numbers', () => {
      expect(checkIdentifier('phone', 'call me')).toMatchObject({ status: 'invalid' });
      expect(checkIdentifier('phone', '000000')).toEqual({ status: 'junk' });
    });
  });
});

describe('uniqueIdentifiers', () => {
  it('drops undefined and duplicate keys, keeping order', () => {
    const a = makeIdentifier('userId', 'u-1');
    const b = makeIdentifier('anonymousId', 'u-1');
    expect(uniqueIdentifiers([a, undefined, b, makeIdentifier('userId', ' u-1 ')])).toEqual([a, b]);
  });
});

describe('identifierKey', () => {
  it('prefixes the kind', () => {
    expect(identifierKey('email', 'a@b.cn')).toBe('email:a@b.cn');
  });
});
