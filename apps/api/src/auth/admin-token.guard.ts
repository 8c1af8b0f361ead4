import { createHash, timingSafeEqual } from 'node:crypto';
import { DEV_ADMIN_TOKEN } from '@cdp/config';
import { JsonLogger } from '@cdp/observability';
import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiEnv } from '../api.env';
import { ApiError } from '../common/api-errors';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * `Authorization: Bearer $CDP_ADMIN_TOKEN` (contract sections 6 and 8), compared in constant
 * time; anything else is 401 with `WWW-Authenticate: Bearer`.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(env: ApiEnv, logger: JsonLogger) {
    this.expected = digest(env.CDP_ADMIN_TOKEN);
    if (env.CDP_ADMIN_TOKEN === DEV_ADMIN_TOKEN) {
      logger.warn(
        { msg: 'CDP_ADMIN_TOKEN is the development default: set a secret one outside local development' },
        'Auth',
      );
    }
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'auth',
        'missing bearer token: send Authorization: Bearer <CDP_ADMIN_TOKEN>',
      );
    }
    if (!timingSafeEqual(digest(match[1]), this.expected)) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'auth', 'invalid bearer token');
    }
    return true;
  }
}
