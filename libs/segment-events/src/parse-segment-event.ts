import {
  SEGMENT_EVENT_CAUSE_KINDS,
  SEGMENT_EVENT_TYPES,
  type SegmentEvent,
  type SegmentEventCause,
  type SegmentEventReason,
} from './segment-event';

/** One thing wrong with a message: where (`segment.id`, `cause.kind`, ...) and what. */
export interface SegmentEventProblem {
  path: string;
  message: string;
}

export type SegmentEventParseResult =
  { ok: true; event: SegmentEvent } | { ok: false; problems: SegmentEventProblem[] };

/** `segment.id must be a non-empty string; type must be one of ...` (one line). */
export function formatProblems(problems: readonly SegmentEventProblem[]): string {
  return problems.map((p) => (p.path ? `${p.path} ${p.message}` : p.message)).join('; ');
}

/** Thrown by `assertSegmentEvent`; `problems` names every bad field. */
export class InvalidSegmentEventError extends Error {
  constructor(readonly problems: readonly SegmentEventProblem[]) {
    super(`invalid segment event: ${formatProblems(problems)}`);
    this.name = 'InvalidSegmentEventError';
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const MAX_ID_LENGTH = 1024;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for an ISO 8601 instant with a time zone (`2026-11-01T09:00:00Z`, `...+08:00`). */
export function isIsoInstant(v: unknown): v is string {
  return typeof v === 'string' && ISO_INSTANT.test(v) && Number.isFinite(Date.parse(v));
}

function decode(input: unknown): { value: unknown; problem?: SegmentEventProblem } {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    try {
      return { value: JSON.parse(text) as unknown };
    } catch (e) {
      return {
        value: undefined,
        problem: { path: '', message: `is not JSON (${e instanceof Error ? e.message : String(e)})` },
      };
    }
  }
  return { value: input };
}

/**
 * Validates a segment event (contract section 7): a parsed object, a JSON string, or the raw
 * bytes of a Kafka message value. Unknown fields are kept; `identities` and `reason` default to
 * `{}` and `[]` when absent. Never throws.
 */
export function parseSegmentEvent(input: unknown): SegmentEventParseResult {
  const { value, problem } = decode(input);
  if (problem) return { ok: false, problems: [problem] };
  if (!isObject(value)) return { ok: false, problems: [{ path: '', message: 'must be a JSON object' }] };

  const problems: SegmentEventProblem[] = [];
  const bad = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const requireId = (v: unknown, path: string): void => {
    if (typeof v !== 'string' || v.length === 0) bad(path, 'must be a non-empty string');
    else if (v.length > MAX_ID_LENGTH) bad(path, `must be at most ${MAX_ID_LENGTH} characters`);
  };

  requireId(value.id, 'id');
  if (!SEGMENT_EVENT_TYPES.includes(value.type as never)) {
    bad('type', `must be one of ${SEGMENT_EVENT_TYPES.join(', ')}`);
  }
  if (!isObject(value.segment)) bad('segment', 'must be an object { id, version }');
  else {
    requireId(value.segment.id, 'segment.id');
    const version = value.segment.version;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
      bad('segment.version', 'must be a non-negative integer');
    }
  }
  requireId(value.profileId, 'profileId');
  for (const field of ['occurredAt', 'emittedAt'] as const) {
    if (!isIsoInstant(value[field])) bad(field, 'must be an ISO 8601 instant with a time zone');
  }

  const identities = value.identities ?? {};
  if (!isObject(identities)) bad('identities', 'must be an object');
  else {
    for (const field of ['userId', 'email'] as const) {
      const v = identities[field];
      if (v !== undefined && v !== null && typeof v !== 'string')
        bad(`identities.${field}`, 'must be a string');
    }
    const anon = identities.anonymousIds;
    if (anon !== undefined && (!Array.isArray(anon) || anon.some((a) => typeof a !== 'string'))) {
      bad('identities.anonymousIds', 'must be an array of strings');
    }
  }

  if (!isObject(value.cause)) bad('cause', 'must be an object with a kind');
  else {
    const cause = value.cause;
    if (!SEGMENT_EVENT_CAUSE_KINDS.includes(cause.kind as never)) {
      bad('cause.kind', `must be one of ${SEGMENT_EVENT_CAUSE_KINDS.join(', ')}`);
    }
    if (cause.eventId !== undefined && cause.eventId !== null && typeof cause.eventId !== 'string') {
      bad('cause.eventId', 'must be a string or null');
    }
    if (cause.kafka !== undefined && cause.kafka !== null) {
      const k = cause.kafka;
      if (
        !isObject(k) ||
        typeof k.topic !== 'string' ||
        typeof k.partition !== 'number' ||
        !Number.isInteger(k.partition) ||
        (typeof k.offset !== 'string' && typeof k.offset !== 'number')
      ) {
        bad('cause.kafka', 'must be { topic: string, partition: integer, offset: string } or null');
      }
    }
  }

  const reason = value.reason ?? [];
  if (!Array.isArray(reason)) bad('reason', 'must be an array');
  else {
    reason.forEach((r: unknown, i) => {
      if (!isObject(r)) bad(`reason[${i}]`, 'must be an object { condition, actual, result }');
      else {
        if (typeof r.condition !== 'string') bad(`reason[${i}].condition`, 'must be a string');
        if (typeof r.result !== 'boolean') bad(`reason[${i}].result`, 'must be a boolean');
      }
    });
  }

  if (problems.length > 0) return { ok: false, problems };
  const cause = value.cause as SegmentEventCause;
  const event: SegmentEvent = {
    ...value,
    id: value.id as string,
    type: value.type as SegmentEvent['type'],
    segment: value.segment as SegmentEvent['segment'],
    profileId: value.profileId as string,
    identities: identities as SegmentEvent['identities'],
    occurredAt: value.occurredAt as string,
    emittedAt: value.emittedAt as string,
    cause:
      isObject(cause.kafka) && typeof cause.kafka.offset === 'number'
        ? { ...cause, kafka: { ...cause.kafka, offset: String(cause.kafka.offset) } }
        : cause,
    reason: reason as SegmentEventReason[],
  };
  return { ok: true, event };
}

/** Like `parseSegmentEvent`, but returns the event or throws `InvalidSegmentEventError`. */
export function assertSegmentEvent(input: unknown): SegmentEvent {
  const result = parseSegmentEvent(input);
  if (!result.ok) throw new InvalidSegmentEventError(result.problems);
  return result.event;
}

/** True when `input` is a valid segment event object. */
export function isSegmentEvent(input: unknown): input is SegmentEvent {
  return isObject(input) && parseSegmentEvent(input).ok;
}
