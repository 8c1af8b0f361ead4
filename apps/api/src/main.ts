import { runService } from '@cdp/runtime';
import { ApiEnv } from './api.env';
import { ApiModule } from './api.module';
import { serveOpenApi } from './openapi';

void runService({
  service: 'api',
  envClass: ApiEnv,
  port: (env) => env.API_PORT,
  imports: () => [ApiModule],
  configure: (app) => serveOpenApi(app),
});
