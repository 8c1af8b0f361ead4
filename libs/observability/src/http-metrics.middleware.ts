import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';
import { MetricsService } from './metrics.service';

/** Records every HTTP request: `cdp_http_request_duration_seconds{method,route,status}`. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(metrics: MetricsService) {
    this.duration = metrics.histogram('cdp_http_request_duration_seconds', 'HTTP request duration', [
      'method',
      'route',
      'status',
    ]);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.duration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ method: req.method, route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
    });
    next();
  }
}
