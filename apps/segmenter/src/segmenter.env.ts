import { BaseEnv } from '@cdp/config';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of the segmenter service: the shared variables plus its own. */
export class SegmenterEnv extends BaseEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  SEGMENTER_METRICS_PORT = 9465;
}
