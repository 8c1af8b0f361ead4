import { runService } from '@cdp/runtime';
import { IngestEnv } from './ingest.env';
import { IngestModule } from './ingest.module';

void runService({
  service: 'ingest',
  envClass: IngestEnv,
  port: (env) => env.INGEST_METRICS_PORT,
  imports: () => [IngestModule],
});
