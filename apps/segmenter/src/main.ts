import { runService } from '@cdp/runtime';
import { SegmenterEnv } from './segmenter.env';
import { SegmenterModule } from './segmenter.module';

void runService({
  service: 'segmenter',
  envClass: SegmenterEnv,
  port: (env) => env.SEGMENTER_METRICS_PORT,
  imports: () => [SegmenterModule],
});
