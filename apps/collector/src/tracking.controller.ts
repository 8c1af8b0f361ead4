import type { FieldProblem } from '@cdp/domain';
import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { readBody } from './body-reader';
import { CollectorEnv } from './collector.env';
import type { RejectReason } from './collector.metrics';
import { isTrackingEndpoint, TrackingIngestService } from './tracking-ingest.service';

/** Answer of the tracking API: `{ success: true }`, or what was wrong. */
export type TrackingAnswer =
  | { success: true }
  | { success: false; error: RejectReason | 'not_found'; message: string; errors: FieldProblem[] };

const STATUS: Record<RejectReason, number> = {
  auth: 401,
  validation: 400,
  too_large: 413,
  kafka_unavailable: 503,
};

/**
 * `POST /v1/track|identify|page|screen|group|alias|batch` (Segment / RudderStack HTTP
 * tracking API). Reads the body itself (the service runs without Nest's body parser, whose
 * limit is 100 kB and which only reads `application/json`: browser snippets send
 * `text/plain`), hands the request to the use case and turns its outcome into HTTP.
 */
@Controller('v1')
export class TrackingController {
  constructor(
    private readonly tracking: TrackingIngestService,
    private readonly env: CollectorEnv,
  ) {}

  @Post(':endpoint')
  @HttpCode(200)
  async receive(
    @Param('endpoint') endpoint: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TrackingAnswer> {
    const receivedAt = new Date();
    if (!isTrackingEndpoint(endpoint)) {
      res.status(404);
      return {
        success: false,
        error: 'not_found',
        message: `no endpoint /v1/${endpoint}: use /v1/track, identify, page, screen, group, alias or batch`,
        errors: [],
      };
    }
    const body = await readBody(req, this.env.COLLECTOR_MAX_REQUEST_BYTES);
    const outcome = await this.tracking.ingest({
      endpoint,
      authorization: req.headers.authorization,
      body,
      receivedAt,
    });
    if (outcome.kind === 'accepted') return { success: true };
    res.status(STATUS[outcome.reason]);
    if (outcome.reason === 'auth') res.setHeader('WWW-Authenticate', 'Basic realm="collector"');
    return { success: false, error: outcome.reason, message: outcome.message, errors: outcome.errors };
  }
}
