import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the test endpoint received. */
export interface WebhookCall {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  body: string;
  /** `Idempotency-Key` header ('' when absent). */
  key: string;
  receivedAt: number;
  /** Status answered; undefined while held or when the client went away first. */
  status?: number;
  /** The answer was written completely before the client went away: the sender got it. */
  acknowledged: boolean;
}

/** What the endpoint does with a call: answer a status, or hold the request without answering. */
export type WebhookBehaviour = (call: WebhookCall, nthForKey: number) => number | 'hold';

/**
 * A local webhook endpoint for the campaign tests: records every request, answers by path
 * with a programmable behaviour (e.g. 500 then 200, always 503, hold), and tells apart the
 * answers the sender received (`acknowledged`) from requests cut off (the sender crashed).
 */
export class WebhookServer {
  readonly calls: WebhookCall[] = [];
  private readonly behaviours = new Map<string, WebhookBehaviour>();
  private readonly held = new Set<{ call: WebhookCall; res: ServerResponse }>();
  private server: Server | undefined;
  private base = '';

  /** Sets the behaviour of `path` (default: 200). */
  route(path: string, behaviour: WebhookBehaviour): this {
    this.behaviours.set(path, behaviour);
    return this;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 1000;
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.base;
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  callsTo(path: string): WebhookCall[] {
    return this.calls.filter((c) => c.path === path);
  }

  /** Calls of `path` the sender got a 2xx answer for. */
  acknowledged(path: string): WebhookCall[] {
    return this.callsTo(path).filter((c) => c.acknowledged && c.status !== undefined && c.status < 300);
  }

  /** Requests currently held (behaviour 'hold'). */
  get holding(): number {
    return this.held.size;
  }

  /** Answers every held request with `status`. */
  release(status = 200): void {
    for (const h of [...this.held]) this.answer(h.call, h.res, status);
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
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : '';
    const call: WebhookCall = {
      path: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      key,
      receivedAt: Date.now(),
      acknowledged: false,
    };
    const nth = this.calls.filter((c) => c.path === call.path && c.key === key).length + 1;
    this.calls.push(call);
    const behaviour = this.behaviours.get(call.path) ?? (() => 200);
    const what = behaviour(call, nth);
    if (what === 'hold') {
      const entry = { call, res };
      this.held.add(entry);
      res.on('close', () => this.held.delete(entry));
      return;
    }
    this.answer(call, res, what);
  }

  private answer(call: WebhookCall, res: ServerResponse, status: number): void {
    for (const h of this.held) if (h.res === res) this.held.delete(h);
    if (res.destroyed || res.socket?.destroyed) return; // the client is gone: not acknowledged
    call.status = status;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: status < 300 }), () => {
      call.acknowledged = true;
    });
  }
}
