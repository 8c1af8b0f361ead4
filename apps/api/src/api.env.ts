import { BaseEnv, IsPort } from '@cdp/config';

/** Environment of the api service: the shared variables plus its own. */
export class ApiEnv extends BaseEnv {
  @IsPort()
  API_PORT = 3001;
}
