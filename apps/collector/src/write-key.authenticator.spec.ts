import { basicAuthUser, WriteKeyAuthenticator } from './write-key.authenticator';

const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString('base64')}`;

describe('basicAuthUser', () => {
  it('takes the user name of a Basic header and ignores the password', () => {
    expect(basicAuthUser(basic('wk-1:'))).toBe('wk-1');
    expect(basicAuthUser(basic('wk-1:whatever'))).toBe('wk-1');
    expect(basicAuthUser(basic('wk-1'))).toBe('wk-1');
    expect(basicAuthUser(`basic   ${Buffer.from('wk-1:').toString('base64')}  `)).toBe('wk-1');
  });

  it('is undefined without a header, for other schemes and for an empty user name', () => {
    expect(basicAuthUser(undefined)).toBeUndefined();
    expect(basicAuthUser('')).toBeUndefined();
    expect(basicAuthUser('Bearer abc')).toBeUndefined();
    expect(basicAuthUser(basic(':'))).toBeUndefined();
  });

  it('is null for a malformed Basic header', () => {
    expect(basicAuthUser('Basic')).toBeNull();
    expect(basicAuthUser('Basic not base64!')).toBeNull();
  });
});

describe('WriteKeyAuthenticator', () => {
  const auth = new WriteKeyAuthenticator(
    new Map([
      ['wk-web', 'web'],
      ['wk-app', 'ios'],
    ]),
  );

  it('resolves the source of a known key in the header', () => {
    expect(auth.fromHeader(basic('wk-app:'))).toEqual({ ok: true, source: 'ios' });
  });

  it('refuses an unknown or malformed header key', () => {
    expect(auth.fromHeader(basic('nope:'))).toEqual({ ok: false, message: 'unknown write key' });
    expect(auth.fromHeader('Basic %%%')).toEqual({
      ok: false,
      message: 'malformed Basic Authorization header',
    });
  });

  it('leaves a request without a header key to the body', () => {
    expect(auth.fromHeader(undefined)).toBeUndefined();
    expect(auth.fromBody('wk-web')).toEqual({ ok: true, source: 'web' });
  });

  it('refuses a missing, non-string or unknown body key', () => {
    expect(auth.fromBody(undefined)).toEqual({
      ok: false,
      message: expect.stringMatching(/^missing write key/),
    });
    expect(auth.fromBody('')).toEqual({ ok: false, message: expect.stringMatching(/^missing write key/) });
    expect(auth.fromBody(42)).toEqual({ ok: false, message: expect.stringMatching(/^missing write key/) });
    expect(auth.fromBody('wk-other')).toEqual({ ok: false, message: 'unknown write key' });
  });
});
