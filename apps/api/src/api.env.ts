import { BaseEnv, IsPort } from '@cdp/config';
import { IsString, MinLength } from 'class-validator';

/** The default admin token: for local development only (the api logs a warning while it is in use). */
export const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';

/** Environment of the api service: the shared variables plus its own. */
export class ApiEnv extends BaseEnv {
  @IsPort()
  API_PORT = 3001;

  /** Bearer token of the admin endpoints (`Authorization: Bearer <token>`), at least 16 characters. */
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  CDP_ADMIN_TOKEN = DEV_ADMIN_TOKEN;
}
