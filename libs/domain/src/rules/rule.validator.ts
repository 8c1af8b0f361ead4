import { parseIsoTimestamp } from '../events/iso-timestamp';
import type { FieldProblem } from '../step-result';
import {
  COMPUTED_TRAITS,
  computedTraitNamed,
  type ComputedTraitDefinition,
} from '../traits/computed-trait.registry';
import {
  EVENT_SOURCES,
  MEASURE_KINDS,
  NUMBER_OPERATORS,
  RULE_KINDS,
  TRAIT_OPERATORS,
  type Rule,
  type RuleKind,
  type TraitOperator,
} from './rule.model';
import { findReferenceCycle } from './segment-references';

export interface RuleValidationContext {
  /**
   * Identify traits that exist (seen so far, or declared). A trait name is known when it
   * is a computed trait or matches this; when absent only the name's shape is checked
   * (identify traits are open-ended).
   */
  knownTraits?: ReadonlySet<string> | ((name: string) => boolean);
  /** The stored rule of another segment (unvalidated JSON), for following `inSegment` references; undefined when unknown. */
  segments?: (id: string) => unknown;
  /** The id of the segment this rule defines (a reference back to it is a cycle). */
  selfId?: string;
  /** Deepest allowed nesting (the root rule is level 1); default 8, at most 64. */
  maxDepth?: number;
}

export type RuleValidation = { ok: true; rule: Rule } | { ok: false; problems: FieldProblem[] };

export const DEFAULT_MAX_DEPTH = 8;
const MAX_DEPTH_LIMIT = 64;
const MAX_NAME_LENGTH = 200;
/** 100 years: longer windows are certainly mistakes. */
const MAX_DAYS = 36_500;

const TRAIT_NAME = /^[\p{L}_$][\p{L}\p{N}_$:-]*(\.[\p{L}\p{N}_$:-]+)*$/u;
const ORDERING_OPS: readonly string[] = ['gt', 'gte', 'lt', 'lte', 'between'];
const DURATION_KEYS = ['days', 'hours'] as const;

const own = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalar = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' ||
  (typeof value === 'number' && Number.isFinite(value)) ||
  typeof value === 'boolean';
const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);
const isIso = (value: unknown): value is string => parseIsoTimestamp(value) !== undefined;
const quote = (s: string): string => JSON.stringify(s);
const list = (items: readonly string[]): string => items.join(', ');

/** `$.all[1].count.gte`; keys that are not identifiers are bracketed: `$["a b"]`. */
const keyPath = (path: string, key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
const indexPath = (path: string, index: number): string => `${path}[${index}]`;

/** What a trait condition's value is checked against: a computed trait's type, when it is one. */
type ValueTarget = { kind: 'trait'; computed?: ComputedTraitDefinition } | { kind: 'property' };

/**
 * Validates a segment rule (contract section 6) and returns it typed (a deep copy of the
 * input: valid rules round-trip through JSON unchanged), or every problem at once, each
 * with the JSON path of the offending field and a plain message: unknown kinds, keys and
 * operators, wrong value types, `between` without two ordered bounds, negative or zero
 * windows and durations, `from` not before `to`, more than one measure, empty `all`/`any`,
 * unknown traits (see `knownTraits`), values outside a computed trait's categories,
 * references to the segment itself or through a cycle, unknown referenced segments (when
 * `segments` is given), and nesting deeper than `maxDepth`. Never throws on JSON input.
 */
export function validateRule(input: unknown, ctx: RuleValidationContext = {}): RuleValidation {
  const checker = new RuleChecker(ctx);
  checker.rule(input, '$', 1);
  if (checker.problems.length > 0) return { ok: false, problems: checker.problems };
  return { ok: true, rule: JSON.parse(JSON.stringify(input)) as Rule };
}

class RuleChecker {
  readonly problems: FieldProblem[] = [];
  private readonly maxDepth: number;

  constructor(private readonly ctx: RuleValidationContext) {
    const depth = ctx.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxDepth = Number.isFinite(depth)
      ? Math.min(Math.max(1, Math.floor(depth)), MAX_DEPTH_LIMIT)
      : DEFAULT_MAX_DEPTH;
  }

  private add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  rule(value: unknown, path: string, depth: number): void {
    if (depth > this.maxDepth) {
      this.add(path, `nesting is deeper than the limit of ${this.maxDepth} levels`);
      return;
    }
    if (!isObject(value)) {
      this.add(path, `must be a rule object with one of: ${list(RULE_KINDS)}`);
      return;
    }
    const kinds = RULE_KINDS.filter((k) => own(value, k));
    const [kind] = kinds;
    if (kind === undefined) {
      const keys = Object.keys(value);
      const found = keys.length === 0 ? 'it is empty' : `found ${list(keys.map(quote))}`;
      this.add(path, `must have one of the keys ${list(RULE_KINDS)} (${found})`);
      return;
    }
    if (kinds.length > 1) {
      this.add(path, `must have only one of ${list(kinds)}; combine conditions with all or any`);
      return;
    }
    this.ruleOfKind(kind, value, path, depth);
  }

  private ruleOfKind(kind: RuleKind, value: Record<string, unknown>, path: string, depth: number): void {
    switch (kind) {
      case 'all':
      case 'any': {
        this.onlyKeys(value, [kind], path);
        const children = value[kind];
        const at = keyPath(path, kind);
        if (!Array.isArray(children)) this.add(at, 'must be an array of rules');
        else if (children.length === 0) this.add(at, 'must not be empty');
        else children.forEach((child, i) => this.rule(child, indexPath(at, i), depth + 1));
        return;
      }
      case 'not':
        this.onlyKeys(value, ['not'], path);
        this.rule(value.not, keyPath(path, 'not'), depth + 1);
        return;
      case 'trait':
        this.trait(value, path);
        return;
      case 'event':
        this.event(value, path);
        return;
      case 'inSegment':
        this.inSegment(value, path);
        return;
    }
  }

  private onlyKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key))
        this.add(keyPath(path, key), `unknown key ${quote(key)}; expected ${list(allowed)}`);
    }
  }

  private name(value: unknown, path: string, what: string): value is string {
    if (typeof value !== 'string' || value.trim() === '') {
      this.add(path, `must be a non-empty ${what}`);
      return false;
    }
    if (value.length > MAX_NAME_LENGTH) {
      this.add(path, `must be at most ${MAX_NAME_LENGTH} characters`);
      return false;
    }
    return true;
  }

  // ---- trait conditions ----------------------------------------------------------------

  private trait(value: Record<string, unknown>, path: string): void {
    this.onlyKeys(value, ['trait', 'op', 'value'], path);
    const at = keyPath(path, 'trait');
    let computed: ComputedTraitDefinition | undefined;
    if (this.name(value.trait, at, 'trait name')) {
      computed = computedTraitNamed(value.trait);
      if (computed === undefined) this.identifyTraitName(value.trait, at);
    }
    this.valueTest(value, path, { kind: 'trait', computed });
  }

  private identifyTraitName(name: string, path: string): void {
    if (!TRAIT_NAME.test(name)) {
      this.add(path, 'must be a trait name: letters, digits, _ $ : -, with dots between nested names');
      return;
    }
    const known = this.ctx.knownTraits;
    if (known === undefined) return;
    const isKnown = typeof known === 'function' ? known(name) : known.has(name);
    if (isKnown) return;
    const related = COMPUTED_TRAITS.filter((t) => t.name.startsWith(`${name}.`)).map((t) => t.name);
    const hint =
      related.length > 0
        ? `; use ${list(related)}`
        : `: neither an identify trait seen so far nor a computed trait (${list(COMPUTED_TRAITS.map((t) => t.name))})`;
    this.add(path, `unknown trait ${quote(name)}${hint}`);
  }

  /** `op` and `value` of a trait condition or a where filter. */
  private valueTest(value: Record<string, unknown>, path: string, target: ValueTarget): void {
    const opPath = keyPath(path, 'op');
    const valuePath = keyPath(path, 'value');
    if (!own(value, 'op')) {
      this.add(opPath, `is required: one of ${list(TRAIT_OPERATORS)}`);
      return;
    }
    const op = value.op;
    if (typeof op !== 'string' || !(TRAIT_OPERATORS as readonly string[]).includes(op)) {
      const shown = typeof op === 'string' ? quote(op) : (JSON.stringify(op) ?? String(op));
      this.add(opPath, `unknown operator ${shown}; expected one of ${list(TRAIT_OPERATORS)}`);
      return;
    }
    const operator = op as TraitOperator;
    const hasValue = own(value, 'value');
    if (operator === 'exists' || operator === 'notExists') {
      if (hasValue) this.add(valuePath, `${operator} takes no value`);
      return;
    }
    if (!hasValue) {
      this.add(valuePath, `is required for ${operator}`);
      return;
    }
    if (this.operandShape(operator, value.value, valuePath) && target.kind === 'trait' && target.computed) {
      this.computedOperand(target.computed, operator, value.value, valuePath);
    }
  }

  /** The value's JSON shape for the operator; true when it fits. */
  private operandShape(op: TraitOperator, value: unknown, path: string): boolean {
    switch (op) {
      case 'eq':
      case 'neq':
      case 'contains':
        if (isScalar(value)) return true;
        this.add(path, `must be a string, number or boolean for ${op}`);
        return false;
      case 'startsWith':
        if (typeof value === 'string') return true;
        this.add(path, 'must be a string for startsWith');
        return false;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        if (isFiniteNumber(value) || isIso(value)) return true;
        this.add(path, `must be a number or an ISO 8601 date-time for ${op}`);
        return false;
      case 'in':
      case 'notIn': {
        if (!Array.isArray(value) || value.length === 0) {
          this.add(path, `must be a non-empty array of strings, numbers or booleans for ${op}`);
          return false;
        }
        let fits = true;
        value.forEach((item, i) => {
          if (isScalar(item)) return;
          this.add(indexPath(path, i), 'must be a string, number or boolean');
          fits = false;
        });
        return fits;
      }
      case 'between':
        return this.bounds(
          value,
          path,
          (v) => isFiniteNumber(v) || isIso(v),
          'a number or an ISO 8601 date-time',
        );
      case 'exists':
      case 'notExists':
        return true;
    }
  }

  /** `[lo, hi]`: two bounds of the same kind with lo <= hi. */
  private bounds(value: unknown, path: string, valid: (v: unknown) => boolean, what: string): boolean {
    if (!Array.isArray(value) || value.length !== 2) {
      this.add(path, 'between needs two bounds [lo, hi]');
      return false;
    }
    const [lo, hi] = value as [unknown, unknown];
    let fits = true;
    [lo, hi].forEach((bound, i) => {
      if (valid(bound)) return;
      this.add(indexPath(path, i), `must be ${what}`);
      fits = false;
    });
    if (!fits) return false;
    const a = typeof lo === 'number' ? lo : parseIsoTimestamp(lo);
    const b = typeof hi === 'number' ? hi : parseIsoTimestamp(hi);
    if (typeof lo !== typeof hi) {
      this.add(path, 'both bounds must be numbers, or both ISO 8601 date-times');
      return false;
    }
    if (a !== undefined && b !== undefined && a > b) {
      this.add(path, 'the lower bound must not be greater than the upper bound');
      return false;
    }
    return true;
  }

  /** Operands a computed trait can ever match: its categories, numbers, or instants. */
  private computedOperand(
    trait: ComputedTraitDefinition,
    op: TraitOperator,
    value: unknown,
    path: string,
  ): void {
    const operands = op === 'in' || op === 'notIn' ? (value as unknown[]) : op === 'between' ? [] : [value];
    const at = (i: number) => (op === 'in' || op === 'notIn' ? indexPath(path, i) : path);
    if (trait.type === 'number') {
      if (op === 'contains' || op === 'startsWith') {
        this.add(path, `${op} does not apply to ${trait.name} (a number)`);
        return;
      }
      if (op === 'between') {
        if ((value as unknown[]).some((v) => typeof v !== 'number'))
          this.add(path, `${trait.name} is a number`);
        return;
      }
      operands.forEach((v, i) => {
        if (typeof v !== 'number') this.add(at(i), `must be a number: ${trait.name} is a number`);
      });
      return;
    }
    if (trait.type === 'datetime') {
      if (ORDERING_OPS.includes(op)) {
        const bad = op === 'between' ? (value as unknown[]).some((v) => !isIso(v)) : !isIso(value);
        if (bad) this.add(path, `must be an ISO 8601 date-time: ${trait.name} is an instant`);
      }
      return;
    }
    if (ORDERING_OPS.includes(op)) {
      this.add(path, `${op} does not apply to ${trait.name} (text); use eq, neq, in or notIn`);
      return;
    }
    const values = trait.values;
    if (values === undefined || op === 'contains' || op === 'startsWith') return;
    operands.forEach((v, i) => {
      if (typeof v === 'string' && values.includes(v)) return;
      this.add(
        at(i),
        `unknown value ${JSON.stringify(v)} for ${trait.name}; expected one of ${list(values)}`,
      );
    });
  }

  // ---- event conditions ----------------------------------------------------------------

  private event(value: Record<string, unknown>, path: string): void {
    this.onlyKeys(value, ['event', 'source', 'where', 'within', ...MEASURE_KINDS], path);
    this.name(value.event, keyPath(path, 'event'), 'event name');
    if (own(value, 'source') && !(EVENT_SOURCES as readonly unknown[]).includes(value.source)) {
      this.add(keyPath(path, 'source'), `must be one of ${list(EVENT_SOURCES)}`);
    }
    if (own(value, 'where')) this.where(value.where, keyPath(path, 'where'));
    if (own(value, 'within')) this.window(value.within, keyPath(path, 'within'));
    const measures = MEASURE_KINDS.filter((k) => own(value, k));
    if (measures.length > 1) {
      this.add(path, `must have at most one measure, found ${list(measures)}; combine conditions with all`);
    }
    if (own(value, 'count')) this.comparison(value.count, keyPath(path, 'count'), [], true);
    if (own(value, 'sum')) this.sum(value.sum, keyPath(path, 'sum'));
    for (const kind of ['lastSeen', 'firstSeen'] as const) {
      if (own(value, kind)) this.recency(value[kind], keyPath(path, kind));
    }
  }

  private where(value: unknown, path: string): void {
    if (!Array.isArray(value)) {
      this.add(path, 'must be an array of {property, op, value} filters');
      return;
    }
    value.forEach((filter, i) => {
      const at = indexPath(path, i);
      if (!isObject(filter)) {
        this.add(at, 'must be a {property, op, value} filter');
        return;
      }
      this.onlyKeys(filter, ['property', 'op', 'value'], at);
      this.name(filter.property, keyPath(at, 'property'), 'property name');
      this.valueTest(filter, at, { kind: 'property' });
    });
  }

  private window(value: unknown, path: string): void {
    if (!isObject(value)) {
      this.add(path, 'must be {days: N}, {hours: N} or {from: ISO, to: ISO}');
      return;
    }
    if (!own(value, 'from') && !own(value, 'to')) {
      this.duration(value, path);
      return;
    }
    this.onlyKeys(value, ['from', 'to'], path);
    for (const key of ['from', 'to'] as const) {
      if (!own(value, key)) this.add(keyPath(path, key), 'is required with a fixed window');
      else if (!isIso(value[key])) this.add(keyPath(path, key), 'must be an ISO 8601 date-time');
    }
    const from = parseIsoTimestamp(value.from);
    const to = parseIsoTimestamp(value.to);
    if (from !== undefined && to !== undefined && from >= to) this.add(path, 'from must be earlier than to');
  }

  private duration(value: unknown, path: string): void {
    if (!isObject(value)) {
      this.add(path, 'must be {days: N} or {hours: N}');
      return;
    }
    this.onlyKeys(value, DURATION_KEYS, path);
    const units = DURATION_KEYS.filter((k) => own(value, k));
    const [unit] = units;
    if (unit === undefined) {
      this.add(path, 'needs days or hours');
      return;
    }
    if (units.length > 1) {
      this.add(path, 'must have only one of days, hours');
      return;
    }
    const n = value[unit];
    const at = keyPath(path, unit);
    const max = unit === 'days' ? MAX_DAYS : MAX_DAYS * 24;
    if (!isFiniteNumber(n)) this.add(at, `must be a number of ${unit}`);
    else if (n < 0) this.add(at, 'must not be negative');
    else if (n === 0) this.add(at, 'must be greater than 0');
    else if (n > max) this.add(at, `must be at most ${max}`);
  }

  private recency(value: unknown, path: string): void {
    if (!isObject(value)) {
      this.add(path, 'must be {olderThan: {days|hours: N}} or {newerThan: {days|hours: N}}');
      return;
    }
    this.onlyKeys(value, ['olderThan', 'newerThan'], path);
    const directions = (['olderThan', 'newerThan'] as const).filter((k) => own(value, k));
    const [direction] = directions;
    if (direction === undefined) this.add(path, 'needs olderThan or newerThan');
    else if (directions.length > 1) this.add(path, 'must have only one of olderThan, newerThan');
    else this.duration(value[direction], keyPath(path, direction));
  }

  private sum(value: unknown, path: string): void {
    if (!isObject(value)) {
      this.add(path, 'must be {property: P, OP: N}, e.g. {"property": "revenue", "gte": 100}');
      return;
    }
    if (!own(value, 'property')) this.add(keyPath(path, 'property'), 'is required');
    else this.name(value.property, keyPath(path, 'property'), 'property name');
    this.comparison(value, path, ['property'], false);
  }

  /** `{OP: N}` with exactly one operator (ignoring `extra` keys); counts are non-negative integers. */
  private comparison(value: unknown, path: string, extra: readonly string[], isCount: boolean): void {
    if (!isObject(value)) {
      this.add(path, 'must be an object with one operator, e.g. {"gte": 1}');
      return;
    }
    const ops: string[] = [];
    for (const key of Object.keys(value)) {
      if (extra.includes(key)) continue;
      if ((NUMBER_OPERATORS as readonly string[]).includes(key)) ops.push(key);
      else
        this.add(
          keyPath(path, key),
          `unknown operator ${quote(key)}; expected one of ${list(NUMBER_OPERATORS)}`,
        );
    }
    if (ops.length === 0) {
      this.add(path, `needs one operator: ${list(NUMBER_OPERATORS)}`);
      return;
    }
    if (ops.length > 1) this.add(path, `must have exactly one operator, found ${list(ops)}`);
    const valid = isCount
      ? (v: unknown) => isFiniteNumber(v) && Number.isInteger(v) && v >= 0
      : isFiniteNumber;
    const what = isCount ? 'a non-negative integer' : 'a number';
    for (const op of ops) {
      const at = keyPath(path, op);
      if (op === 'between') this.bounds(value[op], at, valid, what);
      else if (!valid(value[op])) this.add(at, `must be ${what}`);
    }
  }

  // ---- segment references --------------------------------------------------------------

  private inSegment(value: Record<string, unknown>, path: string): void {
    this.onlyKeys(value, ['inSegment'], path);
    const at = keyPath(path, 'inSegment');
    const id = value.inSegment;
    if (!this.name(id, at, 'segment id')) return;
    const { selfId, segments } = this.ctx;
    if (id === selfId) {
      this.add(at, `refers to the segment itself (${quote(id)})`);
      return;
    }
    if (segments === undefined) return;
    if (segments(id) === undefined) {
      this.add(at, `unknown segment ${quote(id)}`);
      return;
    }
    const cycle = findReferenceCycle(id, selfId, segments);
    if (cycle === undefined) return;
    const shown = cycle.join(' -> ');
    this.add(
      at,
      cycle[0] === selfId
        ? `cyclic segment reference: ${shown}`
        : `refers to segment ${quote(id)}, which is in a reference cycle: ${shown}`,
    );
  }
}
