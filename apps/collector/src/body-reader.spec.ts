import { PassThrough } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { readBody, type RequestStream } from './body-reader';

function request(headers: Record<string, string>, chunks: Buffer[]): RequestStream {
  const stream = new PassThrough() as PassThrough & RequestStream;
  stream.headers = headers;
  setImmediate(() => {
    for (const c of chunks) stream.write(c);
    stream.end();
  });
  return stream;
}

const json = Buffer.from(JSON.stringify({ userId: 'u-1', event: 'Signed Up' }));

describe('readBody', () => {
  it('reads a plain body of any content type', async () => {
    const res = await readBody(
      request({ 'content-type': 'text/plain' }, [json.subarray(0, 5), json.subarray(5)]),
      1000,
    );
    expect(res).toEqual({ kind: 'ok', bytes: json });
  });

  it.each<[string, (b: Buffer) => Buffer]>([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
    ['GZIP', gzipSync],
  ])('decompresses Content-Encoding %s', async (encoding, compress) => {
    const res = await readBody(request({ 'content-encoding': encoding }, [compress(json)]), 1000);
    expect(res).toEqual({ kind: 'ok', bytes: json });
  });

  it('accepts exactly the limit and refuses one byte more', async () => {
    const body = Buffer.alloc(2048, 'a');
    expect(await readBody(request({}, [body]), 2048)).toEqual({ kind: 'ok', bytes: body });
    expect(await readBody(request({}, [body, Buffer.from('b')]), 2048)).toEqual({
      kind: 'too_large',
      maxBytes: 2048,
    });
  });

  it('refuses at once when Content-Length declares too much, after draining the body', async () => {
    const req = request({ 'content-length': '5000' }, [Buffer.alloc(5000)]);
    expect(await readBody(req, 2048)).toEqual({ kind: 'too_large', maxBytes: 2048 });
    expect(req.readableEnded).toBe(true);
  });

  it('applies the limit to the decompressed size (a small gzip bomb is too large)', async () => {
    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 'a'));
    expect(bomb.length).toBeLessThan(2048);
    expect(await readBody(request({ 'content-encoding': 'gzip' }, [bomb]), 2048)).toEqual({
      kind: 'too_large',
      maxBytes: 2048,
    });
  });

  it('reports corrupt compressed data and unknown encodings as unreadable', async () => {
    expect(await readBody(request({ 'content-encoding': 'gzip' }, [json]), 1000)).toEqual({
      kind: 'unreadable',
      message: 'the body is not valid gzip data',
    });
    expect(await readBody(request({ 'content-encoding': 'zstd' }, [json]), 1000)).toEqual({
      kind: 'unreadable',
      message: 'Content-Encoding "zstd" is not supported (use gzip, deflate, br or none)',
    });
  });

  it('reads an empty body as zero bytes', async () => {
    expect(await readBody(request({}, []), 1000)).toEqual({ kind: 'ok', bytes: Buffer.alloc(0) });
  });
});
