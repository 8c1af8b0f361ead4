import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const ALWAYS_ALLOWED = ['Authorization', 'Content-Type', 'Content-Encoding'];

/**
 * CORS for browser snippets on the tracking API: any origin, the write key in an
 * `Authorization` header, JSON bodies. Preflight requests are answered here with 204;
 * headers a snippet asks for beyond the usual ones (RudderStack's `AnonymousId`) are
 * allowed too.
 */
@Injectable()
export class CorsMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method !== 'OPTIONS') {
      next();
      return;
    }
    const requested = String(req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter((h) => /^[A-Za-z0-9-]+$/.test(h));
    const allowed = [...ALWAYS_ALLOWED];
    for (const h of requested) {
      if (!allowed.some((a) => a.toLowerCase() === h.toLowerCase())) allowed.push(h);
    }
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', allowed.join(', '));
    res.setHeader('Access-Control-Max-Age', '86400');
    res.setHeader('Vary', 'Access-Control-Request-Headers');
    res.status(204).end();
  }
}
