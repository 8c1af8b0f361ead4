import { base64Needles } from './base64-needles';

describe('base64Needles', () => {
  const needles = ['mei@example.org', 'u-02', 'a-02-anon', '李雷@例子.中国', 'abc'];

  it('finds the needle in the base64 of any text around it, at every byte offset', () => {
    for (const needle of needles) {
      const cores = base64Needles(needle);
      for (let before = 0; before < 7; before++) {
        for (let after = 0; after < 4; after++) {
          const text = `${'{"x":"'.slice(0, before)}${needle}${'"}\n'.slice(0, after)}`;
          const b64 = Buffer.from(text, 'utf8').toString('base64');
          expect([needle, before, after, cores.some((c) => b64.includes(c))]).toEqual([
            needle,
            before,
            after,
            true,
          ]);
        }
      }
    }
  });

  it('does not find other identifiers', () => {
    const payload = Buffer.from(
      JSON.stringify({ userId: 'u-03', email: 'lin@example.org', anonymousId: 'a-03' }),
    ).toString('base64');
    for (const c of base64Needles('mei@example.org')) expect(payload.includes(c)).toBe(false);
    for (const c of base64Needles('u-02')) expect(payload.includes(c)).toBe(false);
  });

  it('gives nothing for needles too short to search safely', () => {
    expect(base64Needles('ab')).toEqual([]);
    expect(base64Needles('')).toEqual([]);
  });
});
