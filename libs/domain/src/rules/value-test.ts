import { parseIsoTimestamp } from '../events/iso-timestamp';
import { comparisonOf, type NumberComparison, type ValueTest } from './rule.model';

/**
 * Semantics of trait conditions and `where` filters (`actual` is the trait or property
 * value; undefined and null both mean "missing"):
 * - no coercion: `eq` is strict equality of strings (case-sensitive), numbers or
 *   booleans; `"3"` is not `3`; arrays and objects are never equal to a scalar;
 * - `gt`, `gte`, `lt`, `lte`, `between [lo, hi]` (inclusive at both ends): both sides
 *   numbers, or both ISO 8601 date-times compared as instants; anything else is false;
 * - `in`: equal (as `eq`) to one of the list; `contains`: a string containing the
 *   string value (case-sensitive substring), or an array with an element equal to the
 *   value; `startsWith`: string prefix, case-sensitive;
 * - `exists`: not missing (an empty string exists); every other positive operator is false
 *   on a missing value;
 * - negations are exact complements: `neq` = not `eq`, `notIn` = not `in`,
 *   `notExists` = not `exists` (so a missing value is `neq` anything).
 */
export function testValue(actual: unknown, test: ValueTest): boolean {
  switch (test.op) {
    case 'eq':
      return sameScalar(actual, test.value);
    case 'neq':
      return !sameScalar(actual, test.value);
    case 'in':
      return test.value.some((v) => sameScalar(actual, v));
    case 'notIn':
      return !test.value.some((v) => sameScalar(actual, v));
    case 'contains':
      if (typeof actual === 'string') return typeof test.value === 'string' && actual.includes(test.value);
      return Array.isArray(actual) && actual.some((v) => sameScalar(v, test.value));
    case 'startsWith':
      return typeof actual === 'string' && typeof test.value === 'string' && actual.startsWith(test.value);
    case 'gt':
      return ordered(actual, test.value, GT);
    case 'gte':
      return ordered(actual, test.value, GTE);
    case 'lt':
      return ordered(actual, test.value, LT);
    case 'lte':
      return ordered(actual, test.value, LTE);
    case 'between': {
      const [lo, hi] = test.value;
      return ordered(actual, lo, GTE) && ordered(actual, hi, LTE);
    }
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'notExists':
      return actual === undefined || actual === null;
  }
}

const sameScalar = (a: unknown, b: unknown): boolean =>
  (typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean') && a === b;

// comparators created once (an arrow in a call would be a new closure at every test)
const GT = (a: number, b: number): boolean => a > b;
const GTE = (a: number, b: number): boolean => a >= b;
const LT = (a: number, b: number): boolean => a < b;
const LTE = (a: number, b: number): boolean => a <= b;

/** Both numbers, or both strings holding ISO instants: compare; otherwise false. */
function ordered(actual: unknown, expected: unknown, cmp: (a: number, b: number) => boolean): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') {
    return Number.isFinite(actual) && cmp(actual, expected);
  }
  if (typeof actual !== 'string' || typeof expected !== 'string') return false;
  const a = parseIsoTimestamp(actual);
  const b = parseIsoTimestamp(expected);
  return a !== undefined && b !== undefined && cmp(a, b);
}

/** A measure's comparison: `{ gte: 3 }` on 4 is true; `between` is inclusive. */
export function testNumber(actual: number, comparison: NumberComparison): boolean {
  const c = comparisonOf(comparison);
  switch (c.op) {
    case 'eq':
      return actual === c.value;
    case 'neq':
      return actual !== c.value;
    case 'gt':
      return actual > c.value;
    case 'gte':
      return actual >= c.value;
    case 'lt':
      return actual < c.value;
    case 'lte':
      return actual <= c.value;
    case 'between':
      return actual >= c.value[0] && actual <= c.value[1];
  }
}
