import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** What reading a request body gave: its bytes (decompressed), or why there are none. */
export type BodyRead =
  | { kind: 'ok'; bytes: Buffer }
  | { kind: 'too_large'; maxBytes: number }
  | { kind: 'unreadable'; message: string };

export type RequestStream = Readable & { headers: IncomingHttpHeaders };

/** Bytes of an over-limit request still read (and dropped) so that the client gets the 413. */
const DRAIN_LIMIT_BYTES = 8 * 1024 * 1024;

function decoderFor(encoding: string): Transform | undefined | null {
  switch (encoding) {
    case '':
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return null;
  }
}

/**
 * Reads a request body into memory, decompressing `Content-Encoding` gzip, deflate or br
 * (RudderStack's SDK gzips), and stops at `maxBytes` of decompressed data. An over-limit or
 * unreadable body is drained (up to a cap, then the connection is dropped) before the
 * result resolves, so that the client is done sending when the error answer comes.
 */
export function readBody(req: RequestStream, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;

    const encoding = String(req.headers['content-encoding'] ?? '')
      .trim()
      .toLowerCase();
    const decoder = decoderFor(encoding);

    const finishAfterDrain = (result: BodyRead): void => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      if (decoder) {
        req.unpipe(decoder);
        decoder.destroy();
      }
      drain(req, () => resolve(result));
    };

    if (decoder === null) {
      finishAfterDrain({
        kind: 'unreadable',
        message: `Content-Encoding ${JSON.stringify(encoding)} is not supported (use gzip, deflate, br or none)`,
      });
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (decoder === undefined && Number.isFinite(declared) && declared > maxBytes) {
      finishAfterDrain({ kind: 'too_large', maxBytes });
      return;
    }

    const source: Readable = decoder ?? req;
    source.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) finishAfterDrain({ kind: 'too_large', maxBytes });
      else chunks.push(chunk);
    });
    source.on('end', () => {
      if (settled) return;
      settled = true;
      resolve({ kind: 'ok', bytes: Buffer.concat(chunks, size) });
    });
    source.on('error', () =>
      finishAfterDrain({
        kind: 'unreadable',
        message: decoder ? `the body is not valid ${encoding} data` : 'the request body could not be read',
      }),
    );
    req.on('close', () => {
      if (!req.readableEnded) {
        finishAfterDrain({ kind: 'unreadable', message: 'the client aborted the request' });
      }
    });
    if (decoder) {
      req.on('error', () =>
        finishAfterDrain({ kind: 'unreadable', message: 'the request body could not be read' }),
      );
      req.pipe(decoder);
    }
  });
}

/** Reads and drops the rest of a request; calls `done` once it ended (or was dropped). */
function drain(req: RequestStream, done: () => void): void {
  if (req.readableEnded || req.destroyed) {
    done();
    return;
  }
  let drained = 0;
  let called = false;
  const finish = (): void => {
    if (called) return;
    called = true;
    done();
  };
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) {
      req.destroy();
      finish();
    }
  });
  req.once('end', finish);
  req.once('close', finish);
  req.once('error', finish);
  req.resume();
}
