import { BaseEnv, IsPort } from '@cdp/config';

/** Environment of the segmenter service: the shared variables plus its own. */
export class SegmenterEnv extends BaseEnv {
  @IsPort()
  SEGMENTER_METRICS_PORT = 9465;
}
