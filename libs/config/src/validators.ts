import { parseTraitsConfig } from '@cdp/domain';
import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/;

/** True for `host:port` with a plausible host name or address and a port in 1..65535. */
export function isHostPort(entry: string): boolean {
  const idx = entry.lastIndexOf(':');
  if (idx <= 0) return false;
  const host = entry.slice(0, idx);
  const port = entry.slice(idx + 1);
  if (!/^\d{1,5}$/.test(port)) return false;
  const n = Number(port);
  return n >= 1 && n <= 65535 && HOST.test(host);
}

/** A comma-separated list of `host:port` Kafka bootstrap brokers. */
export function IsBrokerList(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isBrokerList',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments) =>
          `must be a comma-separated list of host:port (got ${JSON.stringify(args.value)})`,
        ...options,
      },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string' || value.trim() === '') return false;
          return value.split(',').every((b) => isHostPort(b.trim()));
        },
      },
    });
  };
}

/** An absolute http:// or https:// URL with a host (ports and paths allowed). */
export function IsHttpUrl(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isHttpUrl',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments) =>
          `must be an http(s) URL such as http://127.0.0.1:8123 (got ${JSON.stringify(args.value)})`,
        ...options,
      },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string') return false;
          try {
            const url = new URL(value);
            if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
            if (url.hostname === '') return false;
            if (url.port !== '' && (Number(url.port) < 1 || Number(url.port) > 65535)) return false;
            return true;
          } catch {
            return false;
          }
        },
      },
    });
  };
}

/** An integer in [min, max]; one message covering type and range. */
export function IsIntInRange(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isIntInRange',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments) =>
          `must be an integer from ${min} to ${max} (got ${JSON.stringify(args.value)})`,
        ...options,
      },
      validator: {
        validate: (value: unknown): boolean =>
          typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
      },
    });
  };
}

/** A TCP port, 1..65535. */
export const IsPort = (options?: ValidationOptions): PropertyDecorator => IsIntInRange(1, 65535, options);

/**
 * Computed-trait settings as JSON (libs/domain `parseTraitsConfig`): the message lists every
 * bad field, e.g. `TRAITS_CONFIG lifecycle.churnDays must be a whole number ...`.
 */
export function IsTraitsConfigJson(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isTraitsConfigJson',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments) => {
          const result = typeof args.value === 'string' ? parseTraitsConfig(args.value) : undefined;
          return result === undefined || result.ok
            ? 'must be a JSON object of computed-trait settings, e.g. {"lifecycle":{"churnDays":60}}'
            : result.problems.join('; ');
        },
        ...options,
      },
      validator: {
        validate: (value: unknown): boolean => typeof value === 'string' && parseTraitsConfig(value).ok,
      },
    });
  };
}
