import {
  ArgumentMetadata,
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import type { Response } from 'express';
import { JsonLogger } from '@cdp/observability';

/** One thing wrong with a request: where (`action.url`, `frequencyCap.per.days`) and what. */
export interface FieldProblem {
  path: string;
  message: string;
}

export type ApiErrorCode =
  | 'validation'
  | 'auth'
  | 'not_found'
  | 'conflict'
  | 'kafka_unavailable'
  | 'storage_unavailable'
  | 'segmenter_unavailable'
  | 'internal';

/** An error answered as `{ "error": code, "message": ..., "errors": [{ path, message }] }`. */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: ApiErrorCode,
    message: string,
    readonly errors: FieldProblem[] = [],
  ) {
    super({ error: code, message, errors }, status);
  }
}

/** class-validator errors -> one problem per failed constraint, named by its path. */
export function fieldProblems(errors: readonly ValidationError[], prefix = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    for (const [constraint, message] of Object.entries(e.constraints ?? {})) {
      if (constraint === 'whitelistValidation') {
        out.push({ path, message: 'is not a known field' });
        continue;
      }
      // class-validator's messages start with the property name; keep the path only, first
      const text = message.startsWith(`${e.property} `) ? message.slice(e.property.length + 1) : message;
      out.push({ path, message: text });
    }
    if (e.children && e.children.length > 0) out.push(...fieldProblems(e.children, path));
  }
  return out;
}

/** Validates and converts bodies and queries; a 400 names every bad field (one problem per field). */
class CampaignValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) =>
        new ApiError(HttpStatus.BAD_REQUEST, 'validation', 'invalid request', fieldProblems(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation', 'invalid request', [
        { path: 'body', message: 'must be a JSON object' },
      ]);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

export function campaignValidationPipe(): ValidationPipe {
  return new CampaignValidationPipe();
}

/** Every error of the campaigns API as JSON `{ error, message, errors }`. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof ApiError) {
      if (exception.code === 'auth') res.setHeader('WWW-Authenticate', 'Bearer realm="cdp-admin"');
      res.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code: ApiErrorCode =
        status === 404 ? 'not_found' : status === 401 ? 'auth' : status < 500 ? 'validation' : 'internal';
      res.status(status).json({ error: code, message: exception.message, errors: [] });
      return;
    }
    this.logger.error(
      {
        msg: 'request failed',
        err: exception instanceof Error ? exception.message : String(exception),
      },
      'ApiErrorFilter',
    );
    res.status(500).json({ error: 'internal', message: 'internal error', errors: [] });
  }
}
