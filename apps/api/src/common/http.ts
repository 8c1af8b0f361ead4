import { HttpStatus } from '@nestjs/common';
import { ApiError, type FieldProblem } from './api-errors';

/** 400 `{ error: "validation", message, errors: [{ path, message }] }`. */
export const invalid = (problems: FieldProblem[], message = 'invalid request'): ApiError =>
  new ApiError(HttpStatus.BAD_REQUEST, 'validation', message, problems);

export const notFound = (message: string): ApiError =>
  new ApiError(HttpStatus.NOT_FOUND, 'not_found', message);

export const conflict = (message: string): ApiError => new ApiError(HttpStatus.CONFLICT, 'conflict', message);

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An ISO 8601 instant from a query parameter (epoch ms), or a 400 naming the parameter. */
export function instantParam(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value as string)) {
    throw invalid([{ path: name, message: 'must be an ISO 8601 date or date-time' }]);
  }
  return ms;
}

/** A positive integer query parameter within [1, max], or a 400. */
export function limitParam(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw invalid([{ path: name, message: `must be an integer from 1 to ${max}` }]);
  }
  return n;
}

/** A JSON query parameter (e.g. `filter=` a rule), or a 400. */
export function jsonParam(value: unknown, name: string): unknown {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalid([{ path: name, message: 'must be given once' }]);
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw invalid([{ path: name, message: 'must be JSON' }]);
  }
}

/** `YYYY-MM-DD hh:mm:ss` + ms (ClickHouse row) -> ISO 8601 with milliseconds. */
export function isoOfRow(dateTime: string, ms = 0): string {
  return new Date(Date.parse(`${dateTime.replace(' ', 'T')}Z`) + Number(ms)).toISOString();
}

/** Prefixes rule-validation paths (`$.all[0]`) with where the rule was in the request (`rule.all[0]`). */
export const rulePaths = (problems: readonly FieldProblem[], prefix: string): FieldProblem[] =>
  problems.map((p) => ({ path: `${prefix}${p.path.slice(1)}`, message: p.message }));
