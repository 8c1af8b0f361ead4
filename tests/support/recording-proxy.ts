import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** What the proxy does with the n-th request (0-based). */
export type ProxyAction =
  /** pass it on and relay the answer */
  | 'forward'
  /** answer 503 without passing it on */
  | 'fail'
  /** pass it on, then answer 503 anyway (a lost acknowledgement) */
  | 'forward-then-fail';

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body as the client sent it, decompressed when gzip. */
  body: Buffer;
  action: ProxyAction;
  /** The status the client got. */
  status: number;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'keep-alive', 'transfer-encoding']);

/**
 * A tiny HTTP proxy for tests: records every request a client (an SDK) sends, and can
 * fail some of them with 503 to exercise the client's retries.
 */
export class RecordingProxy {
  readonly requests: ProxiedRequest[] = [];
  private server: Server | undefined;

  constructor(
    private readonly target: string,
    private readonly plan: (n: number) => ProxyAction = () => 'forward',
  ) {}

  /** Starts listening on a free port; resolves with the proxy's base URL. */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The JSON bodies of the requests the client got a 2xx for. */
  acceptedBodies(): Record<string, unknown>[] {
    return this.requests
      .filter((r) => r.status >= 200 && r.status < 300)
      .map((r) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const action = this.plan(this.requests.length);
    const record: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: { ...req.headers },
      body: req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw,
      action,
      status: 0,
    };
    this.requests.push(record);

    let status = 503;
    let answer = JSON.stringify({ success: false, error: 'proxy', message: 'failed on purpose by the test' });
    if (action !== 'fail') {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (!HOP_BY_HOP.has(name) && typeof value === 'string') headers[name] = value;
      }
      const upstream = await fetch(`${this.target}${record.path}`, {
        method: record.method,
        headers,
        body: raw,
      });
      const text = await upstream.text();
      if (action === 'forward') {
        status = upstream.status;
        answer = text;
      }
    }
    record.status = status;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(answer);
  }
}
