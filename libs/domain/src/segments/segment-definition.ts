import { parseIsoTimestamp } from '../events/iso-timestamp';
import type { Rule } from '../rules/rule.model';
import { validateRule, type RuleValidationContext } from '../rules/rule.validator';
import type { FieldProblem } from '../step-result';

/**
 * Segment definitions (contract section 6) as the platform stores and distributes them: the
 * api writes them to the compacted `cdp.segments` topic (key = id, value = the JSON below),
 * every segmenter instance reads that topic in full.
 *
 * - `status`: only `active` segments are evaluated; `draft` ones are stored but inert;
 *   `archived` ones are retired (their members exit unless `exitOnArchive` is false).
 * - `version` goes up with every change that matters for membership (rule or status); the
 *   segment events of a version carry it (`segment.version`).
 * - `updatedAt` is when this version took effect: the segmenter evaluates the version from that
 *   instant on (initial membership and edit differences are dated there, see apps/segmenter).
 */
export const SEGMENT_STATUSES = ['active', 'draft', 'archived'] as const;
export type SegmentStatus = (typeof SEGMENT_STATUSES)[number];

export interface SegmentDefinition {
  /** Slug: lower-case letters, digits and `-`, 1-128 characters, starting and ending with a letter or digit. */
  id: string;
  name: string;
  description?: string;
  status: SegmentStatus;
  /** 1, 2, ... */
  version: number;
  rule: Rule;
  /** ISO 8601 instants. */
  createdAt: string;
  updatedAt: string;
  /** Whether archiving emits `segment.exited` for every member (default: the segmenter's setting, true). */
  exitOnArchive?: boolean;
}

export type SegmentDefinitionParse =
  { ok: true; definition: SegmentDefinition } | { ok: false; problems: FieldProblem[] };

export const SEGMENT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,126}[a-z0-9])?$/;
const MAX_NAME_LENGTH = 200;
const MAX_DESCRIPTION_LENGTH = 2000;
const KNOWN_KEYS = new Set([
  'id',
  'name',
  'description',
  'status',
  'version',
  'rule',
  'createdAt',
  'updatedAt',
  'exitOnArchive',
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates a definition (any JSON) and returns it typed, or every problem found (paths like
 * `rule.all[0].count.gte`). The rule goes through `validateRule` with `ctx` (pass `segments` to
 * check `inSegment` references and cycles); `selfId` defaults to the definition's id.
 */
export function parseSegmentDefinition(
  input: unknown,
  ctx: RuleValidationContext = {},
): SegmentDefinitionParse {
  if (!isObject(input)) return { ok: false, problems: [{ path: '$', message: 'must be an object' }] };
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) problems.push({ path: key, message: 'is not a known field' });
  }
  const { id, name, description, status, version, createdAt, updatedAt, exitOnArchive } = input;
  if (typeof id !== 'string' || !SEGMENT_ID_PATTERN.test(id)) {
    problems.push({
      path: 'id',
      message: 'must be a slug: lower-case letters, digits and "-", 1-128 characters',
    });
  }
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH) {
    problems.push({
      path: 'name',
      message: `must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`,
    });
  }
  if (
    description !== undefined &&
    (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH)
  ) {
    problems.push({
      path: 'description',
      message: `must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters`,
    });
  }
  if (typeof status !== 'string' || !(SEGMENT_STATUSES as readonly string[]).includes(status)) {
    problems.push({ path: 'status', message: `must be one of ${SEGMENT_STATUSES.join(', ')}` });
  }
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    problems.push({ path: 'version', message: 'must be an integer >= 1' });
  }
  for (const [path, value] of [
    ['createdAt', createdAt],
    ['updatedAt', updatedAt],
  ] as const) {
    if (parseIsoTimestamp(value) === undefined) {
      problems.push({ path, message: 'must be an ISO 8601 date-time' });
    }
  }
  if (exitOnArchive !== undefined && typeof exitOnArchive !== 'boolean') {
    problems.push({ path: 'exitOnArchive', message: 'must be true or false' });
  }
  const selfId = typeof id === 'string' ? id : undefined;
  const rule = validateRule(input.rule, { selfId, ...ctx });
  if (!rule.ok) {
    for (const p of rule.problems) problems.push({ path: `rule${p.path.slice(1)}`, message: p.message });
  }
  if (problems.length > 0 || !rule.ok) return { ok: false, problems };
  const definition: SegmentDefinition = {
    id: id as string,
    name: name as string,
    status: status as SegmentStatus,
    version: version as number,
    rule: rule.rule,
    createdAt: createdAt as string,
    updatedAt: updatedAt as string,
  };
  if (description !== undefined) definition.description = description as string;
  if (exitOnArchive !== undefined) definition.exitOnArchive = exitOnArchive as boolean;
  return { ok: true, definition };
}

/** The value written to the definitions topic (and read back by `decodeSegmentDefinition`). */
export function encodeSegmentDefinition(definition: SegmentDefinition): string {
  return JSON.stringify(definition);
}

export type SegmentDefinitionRecord =
  | { kind: 'definition'; definition: SegmentDefinition }
  | { kind: 'deleted'; id: string }
  | { kind: 'invalid'; id: string | undefined; problems: FieldProblem[] };

/**
 * One record of the definitions topic: key = segment id, value = the definition JSON, or no
 * value (a tombstone: the segment was deleted, which the segmenter treats like archiving). A
 * value whose id differs from the key is invalid.
 */
export function decodeSegmentDefinition(key: string | null, value: string | null): SegmentDefinitionRecord {
  if (value === null || value === '') {
    return key === null
      ? { kind: 'invalid', id: undefined, problems: [{ path: 'key', message: 'is missing' }] }
      : { kind: 'deleted', id: key };
  }
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { kind: 'invalid', id: key ?? undefined, problems: [{ path: '$', message: 'is not JSON' }] };
  }
  const parsed = parseSegmentDefinition(json);
  if (!parsed.ok) return { kind: 'invalid', id: key ?? undefined, problems: parsed.problems };
  if (key !== null && key !== parsed.definition.id) {
    return {
      kind: 'invalid',
      id: key,
      problems: [{ path: 'id', message: `differs from the record key ${JSON.stringify(key)}` }],
    };
  }
  return { kind: 'definition', definition: parsed.definition };
}

export const isActiveSegment = (definition: SegmentDefinition): boolean => definition.status === 'active';

/** `updatedAt` in epoch milliseconds (the definition was validated, so it parses). */
export function definitionEffectiveAt(definition: SegmentDefinition): number {
  return parseIsoTimestamp(definition.updatedAt) ?? 0;
}
