import { createHash } from 'node:crypto';
import {
  hashOfProfileId,
  identifierHash,
  profileIdForComponent,
  profileIdForHash,
  profileIdForKey,
} from './profile-id';

describe('profile ids', () => {
  it('is p- and the first 16 hex chars of sha256 of the identifier key', () => {
    const expected = createHash('sha256').update('userId:u-1001').digest('hex').slice(0, 16);
    expect(identifierHash('userId:u-1001')).toBe(expected);
    expect(profileIdForKey('userId:u-1001')).toBe(`p-${expected}`);
    expect(profileIdForKey('email:lin@example.com')).toMatch(/^p-[0-9a-f]{16}$/);
  });

  it('is the same for the same key every time and differs across kinds', () => {
    expect(profileIdForKey('anonymousId:a-77')).toBe(profileIdForKey('anonymousId:a-77'));
    expect(profileIdForKey('anonymousId:a-77')).not.toBe(profileIdForKey('userId:a-77'));
  });

  it('hashes keys as UTF-8', () => {
    const expected = createHash('sha256').update(Buffer.from('social:weibo:林美', 'utf8')).digest('hex');
    expect(identifierHash('social:weibo:林美')).toBe(expected.slice(0, 16));
  });

  it('names a component by its smallest identifier hash, whatever the order or duplicates', () => {
    const keys = ['userId:u-1', 'anonymousId:a-1', 'email:x@example.com', 'clickId:gclid-1'];
    const smallest = keys.map(profileIdForKey).sort()[0];
    expect(profileIdForComponent(keys)).toBe(smallest);
    expect(profileIdForComponent([...keys].reverse())).toBe(smallest);
    expect(profileIdForComponent([...keys, ...keys])).toBe(smallest);
    expect(profileIdForComponent(['userId:u-1'])).toBe(profileIdForKey('userId:u-1'));
  });

  it('refuses an empty component', () => {
    expect(() => profileIdForComponent([])).toThrow('at least one identifier');
  });

  it('reads the hash back out of a profile id', () => {
    const hash = identifierHash('userId:u-1');
    expect(hashOfProfileId(profileIdForHash(hash))).toBe(hash);
    expect(hashOfProfileId('p-xyz')).toBeUndefined();
    expect(hashOfProfileId(`q-${hash}`)).toBeUndefined();
    expect(hashOfProfileId(`p-${hash.toUpperCase()}`)).toBeUndefined();
  });
});
