import { BaseEnv } from '@cdp/config';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of the collector service: the shared variables plus its own. */
export class CollectorEnv extends BaseEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  COLLECTOR_PORT = 3000;
}
