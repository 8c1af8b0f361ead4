import { perRuleObject } from './per-rule-object';
import type { SourceKind } from '../events/canonical-event';

/**
 * The segment rule grammar of contract section 6 as a typed AST. The types mirror the
 * JSON exactly (a valid rule is its own AST and round-trips through JSON unchanged); each
 * union is discriminated by which key is present (`'all' in rule`, `ruleKind(rule)`).
 * Build values with `validateRule`, never by casting user input.
 */

export const TRAIT_OPERATORS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'notIn',
  'contains',
  'startsWith',
  'between',
  'exists',
  'notExists',
] as const;
export type TraitOperator = (typeof TRAIT_OPERATORS)[number];

/** Operators of measures (`count`, `sum`): numeric comparisons. */
export const NUMBER_OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between'] as const;
export type NumberOperator = (typeof NUMBER_OPERATORS)[number];

export const EVENT_SOURCES: readonly SourceKind[] = ['web', 'social', 'ad', 'transaction'];

/** The keys that say what kind of rule an object is. */
export const RULE_KINDS = ['all', 'any', 'not', 'trait', 'event', 'inSegment'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export const MEASURE_KINDS = ['count', 'sum', 'lastSeen', 'firstSeen'] as const;
export type MeasureKind = (typeof MEASURE_KINDS)[number];

export type Scalar = string | number | boolean;
/** A number, or an ISO 8601 date-time string compared as an instant. */
export type Ordered = number | string;

/** An operator with its value, as in trait conditions and `where` filters. */
export type ValueTest =
  | { op: 'eq' | 'neq' | 'contains'; value: Scalar }
  | { op: 'gt' | 'gte' | 'lt' | 'lte'; value: Ordered }
  | { op: 'in' | 'notIn'; value: Scalar[] }
  | { op: 'startsWith'; value: string }
  | { op: 'between'; value: [Ordered, Ordered] }
  | { op: 'exists' | 'notExists'; value?: undefined };

/** `{ "trait": "country", "op": "in", "value": ["CN", "SG"] }`: identify or computed trait. */
export type TraitCondition = { trait: string } & ValueTest;

/** `{ "property": "category", "op": "eq", "value": "shoes" }` in an event condition's `where`. */
export type PropertyFilter = { property: string } & ValueTest;

/** `{ "days": N }` or `{ "hours": N }`, N > 0. */
export type Duration = { days: number; hours?: never } | { hours: number; days?: never };

/** A rolling window ending now, or a fixed `[from, to)` range of ISO instants. */
export type TimeWindow =
  (Duration & { from?: never; to?: never }) | { from: string; to: string; days?: never; hours?: never };

/** `{ "gte": 3 }`: exactly one operator; `between` takes `[lo, hi]`. */
export type NumberComparison = {
  [K in NumberOperator]: { [P in K]: K extends 'between' ? [number, number] : number } & {
    [P in Exclude<NumberOperator, K>]?: never;
  };
}[NumberOperator];

/** `{ "property": "revenue", "gte": 1000 }`. */
export type SumMeasure = { property: string } & NumberComparison;

/** `{ "olderThan": { "days": 90 } }` or `{ "newerThan": { "hours": 24 } }`. */
export type RecencyMeasure =
  { olderThan: Duration; newerThan?: never } | { newerThan: Duration; olderThan?: never };

/** What every event condition has: which events, and when. */
export interface EventConditionBase {
  event: string;
  source?: SourceKind;
  where?: PropertyFilter[];
  within?: TimeWindow;
}

export type CountEventCondition = EventConditionBase & {
  /** Absent means `{ "gte": 1 }`. */
  count?: NumberComparison;
  sum?: never;
  lastSeen?: never;
  firstSeen?: never;
};
export type SumEventCondition = EventConditionBase & {
  sum: SumMeasure;
  count?: never;
  lastSeen?: never;
  firstSeen?: never;
};
export type LastSeenEventCondition = EventConditionBase & {
  lastSeen: RecencyMeasure;
  count?: never;
  sum?: never;
  firstSeen?: never;
};
export type FirstSeenEventCondition = EventConditionBase & {
  firstSeen: RecencyMeasure;
  count?: never;
  sum?: never;
  lastSeen?: never;
};

/** A behavioural condition over the profile's events; at most one measure. */
export type EventCondition =
  CountEventCondition | SumEventCondition | LastSeenEventCondition | FirstSeenEventCondition;

export interface SegmentReference {
  inSegment: string;
}

export interface AllRule {
  all: Rule[];
}
export interface AnyRule {
  any: Rule[];
}
export interface NotRule {
  not: Rule;
}

export type LeafCondition = TraitCondition | EventCondition | SegmentReference;
export type Rule = AllRule | AnyRule | NotRule | LeafCondition;

/** Which of the six kinds a (validated) rule is. */
export function ruleKind(rule: Rule): RuleKind {
  if ('all' in rule) return 'all';
  if ('any' in rule) return 'any';
  if ('not' in rule) return 'not';
  if ('trait' in rule) return 'trait';
  if ('event' in rule) return 'event';
  return 'inSegment';
}

/** A measure in normalized form (absent measure = count >= 1). */
export type Measure =
  | { kind: 'count'; comparison: NumberComparison }
  | { kind: 'sum'; property: string; comparison: NumberComparison }
  | { kind: 'lastSeen' | 'firstSeen'; direction: 'olderThan' | 'newerThan'; duration: Duration };

const COUNT_AT_LEAST_ONE: NumberComparison = { gte: 1 };

/** The condition's measure (memoized per condition object). */
export const measureOf: (condition: EventCondition) => Measure = perRuleObject(measureOfCondition);

function measureOfCondition(condition: EventCondition): Measure {
  if (condition.sum !== undefined) {
    const { property, ...comparison } = condition.sum;
    return { kind: 'sum', property, comparison: comparison };
  }
  const recency = condition.lastSeen ?? condition.firstSeen;
  if (recency !== undefined) {
    const kind = condition.lastSeen !== undefined ? 'lastSeen' : 'firstSeen';
    return recency.olderThan !== undefined
      ? { kind, direction: 'olderThan', duration: recency.olderThan }
      : { kind, direction: 'newerThan', duration: recency.newerThan };
  }
  return { kind: 'count', comparison: condition.count ?? COUNT_AT_LEAST_ONE };
}

type ComparisonParts =
  { op: Exclude<NumberOperator, 'between'>; value: number } | { op: 'between'; value: [number, number] };

/** The operator and operand of a comparison (memoized per comparison object). */
export const comparisonOf: (comparison: NumberComparison) => ComparisonParts = perRuleObject(splitComparison);

function splitComparison(comparison: NumberComparison): ComparisonParts {
  if (comparison.between !== undefined) return { op: 'between', value: comparison.between };
  for (const op of NUMBER_OPERATORS) {
    if (op === 'between') continue;
    const value = comparison[op];
    if (value !== undefined) return { op, value };
  }
  return { op: 'gte', value: 1 };
}
