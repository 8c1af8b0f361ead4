import {
  Body,
  Controller,
  HttpCode,
  Injectable,
  NotFoundException,
  Put,
  BadRequestException,
} from '@nestjs/common';
import { SegmenterEnv } from './segmenter.env';

/**
 * The segmenter's wall clock: when boundaries are due, `emittedAt`, the stream clock's upper
 * bound. It is the system clock, shifted by an offset that tests can set through
 * `PUT /test/clock` when SEGMENTER_TEST_CLOCK=true (never in production): "go quiet past the
 * churn window" becomes a clock jump instead of a 90-day wait. Evaluation instants themselves
 * never come from this clock (they are event times and exact boundary instants).
 */
@Injectable()
export class SegmenterClock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  /** Makes `now()` return `ms` at this moment, then advance with the system clock. */
  set(ms: number): void {
    this.offset = ms - Date.now();
  }
}

/** `PUT /test/clock {"now": ISO}`: only with SEGMENTER_TEST_CLOCK=true (404 otherwise). */
@Controller('test/clock')
export class SegmenterClockController {
  constructor(
    private readonly clock: SegmenterClock,
    private readonly env: SegmenterEnv,
  ) {}

  @Put()
  @HttpCode(200)
  set(@Body() body: unknown): { now: string } {
    if (!this.env.SEGMENTER_TEST_CLOCK) throw new NotFoundException();
    const now =
      typeof body === 'object' && body !== null && 'now' in body && typeof body.now === 'string'
        ? Date.parse(body.now)
        : Number.NaN;
    if (!Number.isFinite(now)) throw new BadRequestException('body must be {"now": ISO 8601}');
    this.clock.set(now);
    return { now: new Date(this.clock.now()).toISOString() };
  }
}
