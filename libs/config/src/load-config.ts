import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ConfigError } from './config-error';

type EnvClass<T> = new () => T;

function flatten(errors: ValidationError[], prefix = ''): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const name = prefix ? `${prefix}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) {
      // class-validator messages start with the property name; keep one name, first.
      const text = message.startsWith(`${e.property} `) ? message.slice(e.property.length + 1) : message;
      out.push(`${name} ${text}`);
    }
    if (e.children && e.children.length > 0) out.push(...flatten(e.children, name));
  }
  return out;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/**
 * Converts an environment string to the type of the property's default. Values that do
 * not convert are passed through unchanged so that validation names them.
 */
function coerce(value: string, fallback: unknown): unknown {
  const v = value.trim();
  if (typeof fallback === 'number') return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : value;
  if (typeof fallback === 'boolean') {
    if (TRUE.has(v.toLowerCase())) return true;
    if (FALSE.has(v.toLowerCase())) return false;
    return value;
  }
  return value;
}

/**
 * Builds a validated config object from environment variables. Unknown variables are
 * ignored; declared ones get their defaults from the class's property initialisers.
 * Throws ConfigError naming every bad variable.
 */
export function loadConfig<T extends object>(cls: EnvClass<T>, env: NodeJS.ProcessEnv = process.env): T {
  const defaults = new cls() as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    raw[key] = value === undefined ? defaults[key] : coerce(value, defaults[key]);
  }
  const instance = plainToInstance(cls, raw);
  const errors = validateSync(instance, { forbidUnknownValues: true, stopAtFirstError: true });
  if (errors.length > 0) throw new ConfigError(flatten(errors));
  return instance;
}
