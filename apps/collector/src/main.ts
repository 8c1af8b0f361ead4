import { runService } from '@cdp/runtime';
import { CollectorEnv } from './collector.env';
import { CollectorModule } from './collector.module';

void runService({
  service: 'collector',
  envClass: CollectorEnv,
  port: (env) => env.COLLECTOR_PORT,
  imports: () => [CollectorModule],
  // The tracking controller reads bodies itself: up to 500 KB, any content type, gzip.
  bodyParser: false,
});
