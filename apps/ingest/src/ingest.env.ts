import { BaseEnv } from '@cdp/config';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of the ingest service: the shared variables plus its own. */
export class IngestEnv extends BaseEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  INGEST_METRICS_PORT = 9464;
}
