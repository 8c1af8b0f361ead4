import { createHash } from 'node:crypto';
import type { EpochMs } from '../brand';
import { dlq, ok, pipe, type StepResult } from '../step-result';
import { normalizeAd } from './ad.normalizer';
import type { CanonicalEvent, KafkaOrigin, SourceKind } from './canonical-event';
import { parseIsoTimestamp } from './iso-timestamp';
import { isJsonObject, textOf, type JsonObject } from './payload-reader';
import { normalizeSocial } from './social.normalizer';
import { parseTrackingCall } from './tracking-call.validator';
import { normalizeTransaction } from './transaction.normalizer';
import { normalizeWebCall } from './web.normalizer';

/**
 * Raw topic message -> CanonicalEvent, for ingest.
 *
 * Dead-letter reasons: `invalid_json` (empty value, not UTF-8 JSON), `not_an_object` (JSON
 * but not an object), then the reasons of the validator and the source's normalizer
 * (`validation_failed`, `missing_identifier`, `invalid_revenue`).
 */

/** Parses a Kafka message value (UTF-8 JSON, a leading BOM tolerated) into a JSON object. */
export function parseJson(bytes: Buffer | string | null | undefined): StepResult<JsonObject> {
  if (bytes === null || bytes === undefined) {
    return dlq('invalid_json', [{ path: '$', message: 'message has no value' }]);
  }
  const text = (typeof bytes === 'string' ? bytes : bytes.toString('utf8')).replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : 'unparsable';
    return dlq('invalid_json', [{ path: '$', message: `not valid JSON: ${detail}` }]);
  }
  if (!isJsonObject(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return dlq('not_an_object', [{ path: '$', message: `must be a JSON object, got ${kind}` }]);
  }
  return ok(value);
}

/**
 * A deterministic messageId for a web call that arrived without one (e.g. written to the
 * raw topic by an app back end): the SHA-256 of `topic/partition/offset`, formatted as a
 * UUID (version 8, RFC 9562 custom), so a redelivered message keeps its id.
 */
export function deriveMessageId(origin: KafkaOrigin): string {
  const hex = createHash('sha256')
    .update(`${origin.topic}/${origin.partition}/${origin.offset}`)
    .digest('hex')
    .slice(0, 32)
    .split('');
  hex[12] = '8'; // version
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16); // variant 10xx
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * A `cdp.raw.web` value: a tracking call written by the collector (messageId and ISO
 * `receivedAt` set). Its `receivedAt` wins over the argument (the Kafka message time);
 * a missing messageId is derived from the Kafka position (`deriveMessageId`).
 */
function normalizeRawWeb(
  value: unknown,
  origin: KafkaOrigin,
  receivedAt: EpochMs,
): StepResult<CanonicalEvent> {
  if (!isJsonObject(value)) {
    return dlq('not_an_object', [{ path: '$', message: 'must be a JSON object' }]);
  }
  return pipe(parseTrackingCall(value), (call) =>
    normalizeWebCall(
      { ...call, messageId: textOf(call.messageId) ?? deriveMessageId(origin) },
      parseIsoTimestamp(call.receivedAt) ?? receivedAt,
      origin,
    ),
  );
}

/**
 * Normalizes one parsed raw-topic value of the given source. `receivedAt` is when the
 * platform received it (the Kafka message timestamp), used unless a web call carries the
 * collector's own `receivedAt`.
 */
export function normalizeRaw(
  source: SourceKind,
  value: unknown,
  origin: KafkaOrigin,
  receivedAt: EpochMs,
): StepResult<CanonicalEvent> {
  switch (source) {
    case 'web':
      return normalizeRawWeb(value, origin, receivedAt);
    case 'social':
      return normalizeSocial(value, receivedAt, origin);
    case 'ad':
      return normalizeAd(value, receivedAt, origin);
    case 'transaction':
      return normalizeTransaction(value, receivedAt, origin);
  }
}

/** `parseJson` then `normalizeRaw`: one raw Kafka message value to a canonical event. */
export function parseAndNormalize(
  source: SourceKind,
  bytes: Buffer | string | null | undefined,
  origin: KafkaOrigin,
  receivedAt: EpochMs,
): StepResult<CanonicalEvent> {
  return pipe(parseJson(bytes), (value) => normalizeRaw(source, value, origin, receivedAt));
}
