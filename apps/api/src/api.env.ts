import { BaseEnv } from '@cdp/config';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of the api service: the shared variables plus its own. */
export class ApiEnv extends BaseEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  API_PORT = 3001;
}
