import { runService } from '@cdp/runtime';
import { ApiEnv } from './api.env';
import { ApiModule } from './api.module';

void runService({
  service: 'api',
  envClass: ApiEnv,
  port: (env) => env.API_PORT,
  imports: () => [ApiModule],
});
