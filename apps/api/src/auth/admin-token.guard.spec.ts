import { loadConfig } from '@cdp/config';
import { JsonLogger } from '@cdp/observability';
import type { ExecutionContext } from '@nestjs/common';
import { ApiEnv } from '../api.env';
import { AdminTokenGuard } from './admin-token.guard';
import { ApiError } from '../common/api-errors';

function context(authorization?: string): ExecutionContext {
  return {
    switchToHttp: () => ({
      getRequest: () => ({ headers: authorization === undefined ? {} : { authorization } }),
    }),
  } as unknown as ExecutionContext;
}

describe('AdminTokenGuard', () => {
  const lines: string[] = [];
  const logger = new JsonLogger('api', 'log', { write: (l) => lines.push(l) });

  it('lets the configured bearer token through and refuses anything else with 401', () => {
    const guard = new AdminTokenGuard(
      loadConfig(ApiEnv, { CDP_ADMIN_TOKEN: 'a-very-secret-token-123' }),
      logger,
    );
    expect(guard.canActivate(context('Bearer a-very-secret-token-123'))).toBe(true);
    expect(guard.canActivate(context('bearer a-very-secret-token-123'))).toBe(true);
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer wrong',
      'Basic YTpi',
      'a-very-secret-token-123',
      'Bearer a-very-secret-token-1234',
    ]) {
      expect(() => guard.canActivate(context(header))).toThrow(ApiError);
    }
    try {
      guard.canActivate(context('Bearer wrong'));
    } catch (e) {
      expect((e as ApiError).getStatus()).toBe(401);
      expect((e as ApiError).code).toBe('auth');
    }
  });

  it('warns when the development default is in use', () => {
    lines.length = 0;
    new AdminTokenGuard(loadConfig(ApiEnv, {}), logger);
    expect(lines.join('')).toContain('CDP_ADMIN_TOKEN is the development default');
  });

  it('CDP_ADMIN_TOKEN must be at least 16 characters', () => {
    expect(() => loadConfig(ApiEnv, { CDP_ADMIN_TOKEN: 'short' })).toThrow(
      /CDP_ADMIN_TOKEN must be at least 16 characters/,
    );
  });
});
