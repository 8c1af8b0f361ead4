import { BaseEnv, IsPort } from '@cdp/config';

/** Environment of the ingest service: the shared variables plus its own. */
export class IngestEnv extends BaseEnv {
  @IsPort()
  INGEST_METRICS_PORT = 9464;
}
