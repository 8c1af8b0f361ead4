import {
  comparisonOf,
  measureOf,
  type EventCondition,
  type LeafCondition,
  type NumberComparison,
  type ValueTest,
} from './rule.model';
import { durationLabel, windowLabel } from './time-window';

const SYMBOLS: Record<string, string> = {
  eq: '=',
  neq: '!=',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  in: 'in',
  notIn: 'not in',
  contains: 'contains',
  startsWith: 'starts with',
  exists: 'exists',
  notExists: 'does not exist',
};

const literal = (value: unknown): string => JSON.stringify(value) ?? 'null';

/** `= "CN"`, `in ["CN","SG"]`, `between 25 and 34`, `exists`. */
function testLabel(test: ValueTest): string {
  if (test.op === 'between') return `between ${literal(test.value[0])} and ${literal(test.value[1])}`;
  if (test.op === 'exists' || test.op === 'notExists') return SYMBOLS[test.op] ?? test.op;
  return `${SYMBOLS[test.op] ?? test.op} ${literal(test.value)}`;
}

/** `>= 3`, `between 2 and 5`. */
export function comparisonLabel(comparison: NumberComparison): string {
  const c = comparisonOf(comparison);
  return c.op === 'between'
    ? `between ${c.value[0]} and ${c.value[1]}`
    : `${SYMBOLS[c.op] ?? c.op} ${c.value}`;
}

function eventLabel(condition: EventCondition): string {
  let subject = condition.event;
  if (condition.source !== undefined) subject += ` (${condition.source})`;
  if (condition.where !== undefined && condition.where.length > 0) {
    subject += ` where ${condition.where.map((f) => `${f.property} ${testLabel(f)}`).join(' and ')}`;
  }
  const within = windowLabel(condition.within);
  const measure = measureOf(condition);
  switch (measure.kind) {
    case 'count':
      return `${subject} count${within} ${comparisonLabel(measure.comparison)}`;
    case 'sum':
      return `${subject} sum of ${measure.property}${within} ${comparisonLabel(measure.comparison)}`;
    case 'lastSeen':
    case 'firstSeen': {
      const direction = measure.direction === 'olderThan' ? 'older than' : 'newer than';
      const what = measure.kind === 'lastSeen' ? 'last seen' : 'first seen';
      return `${subject} ${what}${within} ${direction} ${durationLabel(measure.duration)}`;
    }
  }
}

const cache = new WeakMap<object, string>();

/**
 * The human-readable text of a leaf condition, as in the `reason` array of segment events
 * (contract section 7): `Order Completed count within 180d >= 3`, `country in ["CN","SG"]`,
 * `Product Added last seen newer than 1d`, `in segment "vip"`. An absent measure reads
 * as `count >= 1`.
 */
export function conditionLabel(condition: LeafCondition): string {
  const cached = cache.get(condition);
  if (cached !== undefined) return cached;
  let label: string;
  if ('trait' in condition) label = `${condition.trait} ${testLabel(condition)}`;
  else if ('event' in condition) label = eventLabel(condition);
  else label = `in segment ${literal(condition.inSegment)}`;
  cache.set(condition, label);
  return label;
}
