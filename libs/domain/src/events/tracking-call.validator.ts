import { ok, type FieldProblem, type StepResult } from '../step-result';
import { FieldReader, isAbsent, isJsonObject, joinPath, Problems, type JsonObject } from './payload-reader';

/**
 * Validation of Segment / RudderStack tracking calls (contract section 3), shared by the
 * collector (400 body naming each bad field) and ingest (dead letter `validation_failed`).
 *
 * Rules, each reported with the JSON path of the field (prefixed `batch[i].` in a batch):
 * - the call is a JSON object; `type` is track | identify | page | screen | group | alias
 *   (on `/v1/<type>` the endpoint supplies it, in a batch every member carries it);
 * - `userId` or `anonymousId` (non-empty string or number); alias needs `userId` and
 *   `previousId`; group needs `groupId`; track needs a non-empty string `event`;
 * - `properties`, `traits`, `context` and `context.traits` are objects when present;
 *   page/screen `name` and `category` are strings when present;
 * - `timestamp`, `sentAt`, `originalTimestamp`, `receivedAt` are ISO 8601 date-times;
 * - `messageId` is a non-empty string when present.
 * null counts as absent. Unknown fields are kept (lenient like Segment).
 */

export const TRACKING_CALL_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type TrackingCallType = (typeof TRACKING_CALL_TYPES)[number];

/** A tracking call that passed `validateTrackingCall`; unknown fields are kept. */
export interface TrackingCall {
  type: TrackingCallType;
  messageId?: string | null;
  userId?: string | number | null;
  anonymousId?: string | number | null;
  previousId?: string | number | null;
  groupId?: string | number | null;
  event?: string | null;
  name?: string | null;
  category?: string | null;
  properties?: JsonObject | null;
  traits?: JsonObject | null;
  context?: JsonObject | null;
  timestamp?: string | null;
  sentAt?: string | null;
  originalTimestamp?: string | null;
  receivedAt?: string | null;
  [field: string]: unknown;
}

export interface TrackingCallOptions {
  /** The type implied by the endpoint (`/v1/track` -> `track`); it wins over the body's `type`. */
  type?: TrackingCallType;
  /** JSON path prefix of the call, e.g. `batch[3]`. */
  path?: string;
}

const isTrackingCallType = (value: unknown): value is TrackingCallType =>
  typeof value === 'string' && (TRACKING_CALL_TYPES as readonly string[]).includes(value);

function checkCall(
  value: unknown,
  problems: Problems,
  options: TrackingCallOptions,
): TrackingCallType | undefined {
  const path = options.path ?? '';
  if (!isJsonObject(value)) {
    problems.add(path === '' ? '$' : path, 'must be a JSON object');
    return undefined;
  }
  const call = new FieldReader(value, path, problems);

  let type = options.type;
  if (type === undefined) {
    if (!call.has('type')) call.problems.add(call.pathOf('type'), 'is required');
    else if (isTrackingCallType(value.type)) type = value.type;
    else call.problems.add(call.pathOf('type'), `must be one of: ${TRACKING_CALL_TYPES.join(', ')}`);
  }

  call.id('userId', { required: type === 'alias' });
  call.id('anonymousId');
  if (type !== 'alias' && !call.has('userId') && !call.has('anonymousId')) {
    problems.add(call.pathOf('userId'), 'userId or anonymousId is required');
  }
  if (type === 'alias') call.id('previousId', { required: true });
  if (type === 'group') call.id('groupId', { required: true });
  if (type === 'track') call.string('event', { required: true, nonEmpty: true });
  if (type === 'page' || type === 'screen') {
    call.string('name');
    call.string('category');
  }

  call.object('properties');
  call.object('traits');
  call.object('context')?.object('traits');
  for (const key of ['timestamp', 'sentAt', 'originalTimestamp', 'receivedAt']) call.timestamp(key);
  call.string('messageId', { nonEmpty: true });
  return type;
}

/** Every problem of one tracking call (empty when valid). */
export function validateTrackingCall(value: unknown, options: TrackingCallOptions = {}): FieldProblem[] {
  const problems = new Problems();
  checkCall(value, problems, options);
  return problems.list;
}

/**
 * Validates one tracking call and returns it typed, with `type` set (the endpoint's type
 * when given); dead letter `validation_failed` with every problem otherwise.
 */
export function parseTrackingCall(
  value: unknown,
  options: TrackingCallOptions = {},
): StepResult<TrackingCall> {
  const problems = new Problems();
  const type = checkCall(value, problems, options);
  if (!problems.isEmpty || type === undefined || !isJsonObject(value)) return problems.toDlq();
  return ok({ ...value, type });
}

function checkBatch(body: unknown, problems: Problems): unknown[] | undefined {
  if (!isJsonObject(body)) {
    problems.add('$', 'must be a JSON object');
    return undefined;
  }
  const root = new FieldReader(body, '', problems);
  const batch = root.array('batch', { required: true });
  if (batch !== undefined && batch.length === 0) problems.add('batch', 'must contain at least one call');
  root.timestamp('sentAt');
  root.object('context');
  batch?.forEach((member, i) => checkCall(member, problems, { path: joinPath('batch', i) }));
  return batch;
}

/** Every problem of a `/v1/batch` body `{ batch: [call, ...] }`, paths like `batch[3].event`. */
export function validateBatch(body: unknown): FieldProblem[] {
  const problems = new Problems();
  checkBatch(body, problems);
  return problems.list;
}

/**
 * Validates a `/v1/batch` body and returns its calls, each with the batch-level `sentAt`
 * (when the call has none) and the batch-level `context` (call keys win) applied, as the
 * Segment HTTP API does. Dead letter `validation_failed` with every problem otherwise.
 */
export function parseBatch(body: unknown): StepResult<TrackingCall[]> {
  const problems = new Problems();
  const batch = checkBatch(body, problems);
  if (!problems.isEmpty || batch === undefined || !isJsonObject(body)) return problems.toDlq();
  const sentAt = body.sentAt;
  const context = isJsonObject(body.context) ? body.context : undefined;
  return ok(
    batch.map((member): TrackingCall => {
      const call = member as TrackingCall;
      const merged: TrackingCall = { ...call };
      if (isAbsent(call.sentAt) && typeof sentAt === 'string') merged.sentAt = sentAt;
      if (context !== undefined) merged.context = { ...context, ...(call.context ?? {}) };
      return merged;
    }),
  );
}
