import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  ValidateNested,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';

/** Campaign and segment ids: lower-case letters, digits and inner hyphens, at most 64 characters. */
export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const SLUG_MESSAGE = 'must be a slug: lower-case letters, digits and "-", at most 64 characters';

/** HTTP header names the campaign service sets itself (lower case). */
export const RESERVED_HEADERS = [
  'content-type',
  'content-length',
  'host',
  'connection',
  'transfer-encoding',
  'idempotency-key',
  'x-cdp-signature',
  'x-cdp-campaign-id',
  'x-cdp-delivery-attempt',
  'user-agent',
];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// printable characters and tabs only: no CR/LF header injection
// eslint-disable-next-line no-control-regex
const HEADER_VALUE = /^[^\u0000-\u0008\u000a-\u001f\u007f]{0,1000}$/;

/** A map of extra HTTP headers: valid names (not reserved), string values without line breaks, at most 20. */
function IsHeaderMap(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isHeaderMap',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments) =>
          headerProblem(args.value) ?? 'must map header names to strings',
        ...options,
      },
      validator: { validate: (value: unknown) => headerProblem(value) === undefined },
    });
  };
}

function headerProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be an object mapping header names to strings';
  }
  const entries = Object.entries(value);
  if (entries.length > 20) return 'must have at most 20 headers';
  for (const [name, v] of entries) {
    if (!HEADER_NAME.test(name)) return `has an invalid header name ${JSON.stringify(name)}`;
    if (RESERVED_HEADERS.includes(name.toLowerCase())) {
      return `must not set ${name}: the service sets ${RESERVED_HEADERS.join(', ')}`;
    }
    if (typeof v !== 'string' || !HEADER_VALUE.test(v)) {
      return `has an invalid value for ${name} (a string without line breaks, at most 1000 characters)`;
    }
  }
  return undefined;
}

/** Exactly one of `keys` is set on the nested object. */
function HasExactlyOneOf(keys: readonly string[], options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'hasExactlyOneOf',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `must have exactly one of ${keys.join(', ')}`, ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined).length === 1,
      },
    });
  };
}

// Decorators run bottom-up and the pipe reports the first failure per field: type checks sit
// closest to the property so that `"x"` is reported as "must be an integer", not "too large".

export class TriggerDto {
  @Matches(SLUG, { message: SLUG_MESSAGE })
  @IsString()
  segment!: string;

  @IsIn(['entered', 'exited'], { message: 'must be one of entered, exited' })
  on!: 'entered' | 'exited';
}

export class WebhookActionDto {
  @IsIn(['webhook'], { message: 'must be webhook (the only action type)' })
  type!: 'webhook';

  @MaxLength(2000)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'must be an http(s) URL' },
  )
  @IsString()
  url!: string;

  @IsHeaderMap()
  @IsOptional()
  headers?: Record<string, string>;
}

export class CapWindowDto {
  @Min(1)
  @Max(3650)
  @IsInt({ message: 'must be an integer' })
  @IsOptional()
  days?: number;

  @Min(1)
  @Max(87600)
  @IsInt({ message: 'must be an integer' })
  @IsOptional()
  hours?: number;
}

export class FrequencyCapDto {
  @Min(1)
  @Max(10000)
  @IsInt({ message: 'must be an integer' })
  max!: number;

  @HasExactlyOneOf(['days', 'hours'])
  @ValidateNested()
  @Type(() => CapWindowDto)
  @IsDefined()
  per!: CapWindowDto;
}

/** Everything of a definition but the id (contract section 8 plus name, description, secret). */
export class CampaignFieldsDto {
  @MaxLength(200)
  @IsString()
  @IsOptional()
  name?: string;

  @MaxLength(2000)
  @IsString()
  @IsOptional()
  description?: string;

  @ValidateNested()
  @Type(() => TriggerDto)
  @IsDefined()
  trigger!: TriggerDto;

  @ValidateNested()
  @Type(() => WebhookActionDto)
  @IsDefined()
  action!: WebhookActionDto;

  /** Absent or null: no cap. */
  @ValidateNested()
  @Type(() => FrequencyCapDto)
  @IsOptional()
  frequencyCap?: FrequencyCapDto | null;

  @Min(0)
  @Max(100)
  @IsNumber(
    { maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false },
    { message: 'must be a number with at most two decimals' },
  )
  @IsOptional()
  holdoutPercent?: number;

  @IsIn(['active', 'paused'], { message: 'must be one of active, paused' })
  @IsOptional()
  status?: 'active' | 'paused';

  /** Key of the X-CDP-Signature HMAC. Write-only: never returned. */
  @MinLength(16)
  @MaxLength(256)
  @IsString()
  @IsOptional()
  secret?: string;
}

export class CreateCampaignDto extends CampaignFieldsDto {
  @Matches(SLUG, { message: SLUG_MESSAGE })
  @IsString()
  id!: string;
}

/** PUT body: the whole definition; `id`, when given, must be the one in the path. */
export class ReplaceCampaignDto extends CampaignFieldsDto {
  @Matches(SLUG, { message: SLUG_MESSAGE })
  @IsString()
  @IsOptional()
  id?: string;
}

export class LiftQueryDto {
  /** Start of the trigger period (inclusive); default: 90 days before `to`. */
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date or instant' })
  @IsOptional()
  from?: string;

  /** End of the trigger period (exclusive); default: now. */
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date or instant' })
  @IsOptional()
  to?: string;

  /** Days after each member's trigger in which a conversion counts; default 30. */
  @Type(() => Number)
  @Min(1)
  @Max(365)
  @IsInt({ message: 'must be an integer' })
  @IsOptional()
  windowDays?: number;
}

export { SLUG_MESSAGE };
