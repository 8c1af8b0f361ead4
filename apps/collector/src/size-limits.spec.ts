import { formatBytes, oversizedCalls, requestTooLarge, serializedSize } from './size-limits';

const callOfSize = (bytes: number): Record<string, unknown> => {
  const base = { type: 'track', userId: 'u', event: 'e', properties: { pad: '' } };
  const pad = 'x'.repeat(bytes - serializedSize(base));
  const call = { ...base, properties: { pad } };
  expect(serializedSize(call)).toBe(bytes);
  return call;
};

describe('serializedSize', () => {
  it('counts UTF-8 bytes of the JSON', () => {
    expect(serializedSize({ a: 'é' })).toBe(Buffer.byteLength('{"a":"é"}'));
    expect(serializedSize('€')).toBe(5); // quotes + 3 bytes
    expect(serializedSize(undefined)).toBe(0);
  });
});

describe('formatBytes', () => {
  it('writes KB of 1024 bytes', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(32768)).toBe('32 KB');
    expect(formatBytes(33900)).toBe('33.1 KB');
    expect(formatBytes(512000)).toBe('500 KB');
  });
});

describe('oversizedCalls', () => {
  const limit = 32 * 1024;

  it('accepts a call of exactly the limit and refuses one byte more, naming the body', () => {
    expect(oversizedCalls(callOfSize(limit), false, limit)).toEqual([]);
    expect(oversizedCalls(callOfSize(limit + 1), false, limit)).toEqual([
      { path: 'body', message: 'the call is 32 KB (32769 bytes), larger than 32 KB, the limit per call' },
    ]);
  });

  it('names every oversized member of a batch', () => {
    const body = {
      batch: [callOfSize(100), callOfSize(33 * 1024), callOfSize(limit), callOfSize(40000)],
    };
    expect(oversizedCalls(body, true, limit).map((p) => p.path)).toEqual(['batch[1]', 'batch[3]']);
    expect(oversizedCalls(body, true, limit)[0].message).toMatch(/33 KB \(33792 bytes\)/);
  });

  it('measures batch members as sent, not the batch around them', () => {
    const body = { context: { pad: 'x'.repeat(40000) }, batch: [callOfSize(1000)] };
    expect(oversizedCalls(body, true, limit)).toEqual([]);
  });

  it('leaves bodies that are not batches to validation', () => {
    expect(oversizedCalls({ batch: 'nope' }, true, limit)).toEqual([]);
    expect(oversizedCalls(null, true, limit)).toEqual([]);
  });
});

describe('requestTooLarge', () => {
  it('names the body and the limit', () => {
    expect(requestTooLarge(512000)).toEqual({
      path: 'body',
      message: 'the request is larger than 500 KB, the limit per request',
    });
  });
});
