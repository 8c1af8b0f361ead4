import {
  isJsonObject,
  parseBatch,
  parseTrackingCall,
  TRACKING_CALL_TYPES,
  type FieldProblem,
  type StepResult,
  type TrackingCall,
  type TrackingCallType,
} from '@cdp/domain';
import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { BodyRead } from './body-reader';
import { CollectorEnv } from './collector.env';
import { CollectorMetrics, type RejectReason } from './collector.metrics';
import { RawWebPublisher, type RawWebMessage } from './raw-web.publisher';
import { oversizedCalls, requestTooLarge } from './size-limits';
import { WriteKeyAuthenticator, type AuthResult } from './write-key.authenticator';

export const TRACKING_ENDPOINTS = [...TRACKING_CALL_TYPES, 'batch'] as const;
export type TrackingEndpoint = (typeof TRACKING_ENDPOINTS)[number];

export const isTrackingEndpoint = (value: string): value is TrackingEndpoint =>
  (TRACKING_ENDPOINTS as readonly string[]).includes(value);

/** One HTTP tracking request, as the controller hands it over. */
export interface TrackingRequest {
  endpoint: TrackingEndpoint;
  /** The `Authorization` header, when sent. */
  authorization: string | undefined;
  body: BodyRead;
  /** When the request arrived: stamped as `receivedAt` on every call. */
  receivedAt: Date;
}

export type IngestOutcome =
  | { kind: 'accepted'; calls: number }
  | { kind: 'rejected'; reason: RejectReason; message: string; errors: FieldProblem[] };

const CONTEXT = 'TrackingIngest';

/**
 * The collector's one use case: authenticate a tracking request by write key, enforce the
 * size limits, validate every call (contract section 3, the shared domain validator),
 * stamp `type`, `messageId` (when absent), `receivedAt` and `writeKeySource`, and write
 * the calls to the raw web topic, all of a request in one send. Accepted only once Kafka
 * acknowledged the write.
 *
 * Order of checks: request size, a write key in the Authorization header, JSON syntax, a
 * write key in the body (when the header had none), call sizes, fields.
 */
@Injectable()
export class TrackingIngestService {
  constructor(
    private readonly env: CollectorEnv,
    private readonly auth: WriteKeyAuthenticator,
    private readonly publisher: RawWebPublisher,
    private readonly metrics: CollectorMetrics,
    private readonly logger: JsonLogger,
  ) {}

  async ingest(request: TrackingRequest): Promise<IngestOutcome> {
    const { endpoint, body } = request;
    const isBatch = endpoint === 'batch';
    // Until the body is read, the calls of a batch are unknown; a single call has its endpoint's type.
    const unread = isBatch ? [] : [endpoint];

    if (body.kind === 'too_large') {
      return this.reject(unread, 'too_large', 'request too large', [requestTooLarge(body.maxBytes)]);
    }
    if (body.kind === 'unreadable') {
      return this.reject(unread, 'validation', 'unreadable body', [{ path: 'body', message: body.message }]);
    }

    const headerAuth = this.auth.fromHeader(request.authorization);
    if (headerAuth && !headerAuth.ok) return this.unauthorized(unread, headerAuth);

    const parsed = parseJson(body.bytes);
    if (!parsed.ok) {
      return this.reject(unread, 'validation', 'invalid JSON', [
        { path: 'body', message: `is not valid JSON: ${parsed.error}` },
      ]);
    }
    const json = parsed.value;
    const types = callTypes(json, endpoint);

    const auth = headerAuth ?? this.auth.fromBody(isJsonObject(json) ? json.writeKey : undefined);
    if (!auth.ok) return this.unauthorized(types, auth);

    const oversized = oversizedCalls(json, isBatch, this.env.COLLECTOR_MAX_CALL_BYTES);
    if (oversized.length > 0) return this.reject(types, 'too_large', 'call too large', oversized);

    const result: StepResult<TrackingCall[]> = isBatch
      ? parseBatch(json)
      : mapOk(parseTrackingCall(json, { type: endpoint }), (call) => [call]);
    if (result.kind !== 'ok') {
      const errors = result.kind === 'dlq' ? result.problems.map(bodyPath) : [];
      return this.reject(types, 'validation', 'invalid calls', errors);
    }

    const receivedAt = request.receivedAt.toISOString();
    const messages = result.value.map((call) => toMessage(call, receivedAt, auth.source));
    try {
      await this.publisher.publish(messages);
    } catch (e) {
      this.logger.warn(
        {
          msg: 'could not write to Kafka, answering 503',
          error: e instanceof Error ? e.message : String(e),
          calls: messages.length,
        },
        CONTEXT,
      );
      return this.reject(types, 'kafka_unavailable', 'Kafka unavailable', [], false);
    }
    this.metrics.countCalls(types, 'accepted');
    this.logger.verbose({ msg: 'accepted', endpoint, calls: messages.length, source: auth.source }, CONTEXT);
    return { kind: 'accepted', calls: messages.length };
  }

  private unauthorized(types: readonly unknown[], auth: AuthResult & { ok: false }): IngestOutcome {
    return this.reject(types, 'auth', auth.message, []);
  }

  private reject(
    types: readonly unknown[],
    reason: RejectReason,
    message: string,
    errors: FieldProblem[],
    log = true,
  ): IngestOutcome {
    this.metrics.countRejected(reason);
    this.metrics.countCalls(types.length > 0 ? types : ['unknown'], reason);
    if (log) this.logger.debug({ msg: `rejected: ${message}`, reason, errors }, CONTEXT);
    return { kind: 'rejected', reason, message, errors };
  }
}

/** The call as written to the raw topic: as sent, plus what the collector stamps. */
export function toMessage(call: TrackingCall, receivedAt: string, source: string): RawWebMessage {
  const { writeKey: _writeKey, ...rest } = call; // the key itself never reaches Kafka
  const messageId =
    typeof call.messageId === 'string' && call.messageId !== '' ? call.messageId : randomUUID();
  const out = { ...rest, type: call.type, messageId, receivedAt, writeKeySource: source };
  // The validator guarantees one of them is a non-empty string or a number.
  const key = idText(call.anonymousId) ?? idText(call.userId) ?? messageId;
  return { key, call: out };
}

function idText(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The `type` of each call, for metrics: the endpoint's on `/v1/<type>`, the member's in a batch. */
function callTypes(json: unknown, endpoint: TrackingEndpoint): unknown[] {
  if (endpoint !== 'batch') return [endpoint satisfies TrackingCallType];
  const batch = isJsonObject(json) ? json.batch : undefined;
  if (!Array.isArray(batch)) return [];
  return batch.map((call: unknown) => (isJsonObject(call) ? call.type : undefined));
}

/** The domain names the root `$`; in HTTP answers the root is the request body. */
function bodyPath(problem: FieldProblem): FieldProblem {
  return problem.path === '$' ? { ...problem, path: 'body' } : problem;
}

function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { ok: false, error: 'the body is empty' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

function mapOk<A, B>(result: StepResult<A>, f: (a: A) => B): StepResult<B> {
  return result.kind === 'ok' ? { kind: 'ok', value: f(result.value) } : result;
}
