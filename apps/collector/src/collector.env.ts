import { BaseEnv, IsPort } from '@cdp/config';

/** Environment of the collector service: the shared variables plus its own. */
export class CollectorEnv extends BaseEnv {
  @IsPort()
  COLLECTOR_PORT = 3000;
}
