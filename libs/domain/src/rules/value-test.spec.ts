import type { ValueTest } from './rule.model';
import { testNumber, testValue } from './value-test';

const t = (actual: unknown, test: ValueTest) => testValue(actual, test);

describe('testValue', () => {
  it('eq / neq: strict, case-sensitive, no coercion; neq is the complement', () => {
    expect(t('CN', { op: 'eq', value: 'CN' })).toBe(true);
    expect(t('cn', { op: 'eq', value: 'CN' })).toBe(false);
    expect(t('3', { op: 'eq', value: 3 })).toBe(false);
    expect(t(true, { op: 'eq', value: true })).toBe(true);
    expect(t(['CN'], { op: 'eq', value: 'CN' })).toBe(false);
    expect(t(undefined, { op: 'eq', value: 'CN' })).toBe(false);
    expect(t(undefined, { op: 'neq', value: 'CN' })).toBe(true);
    expect(t(null, { op: 'neq', value: 'CN' })).toBe(true);
    expect(t('SG', { op: 'neq', value: 'CN' })).toBe(true);
  });

  it('ordering: numbers with numbers, ISO instants with ISO instants, else false', () => {
    expect(t(30, { op: 'gt', value: 29 })).toBe(true);
    expect(t(30, { op: 'gte', value: 30 })).toBe(true);
    expect(t(30, { op: 'lt', value: 30 })).toBe(false);
    expect(t(30, { op: 'lte', value: 30 })).toBe(true);
    expect(t('30', { op: 'gt', value: 1 })).toBe(false);
    expect(t(undefined, { op: 'lt', value: 1 })).toBe(false);
    expect(t('2026-11-01T09:00:00+08:00', { op: 'lt', value: '2026-11-01T02:00:00Z' })).toBe(true);
    expect(t('2026-11-01', { op: 'gte', value: '2026-11-01T00:00:00Z' })).toBe(true);
    expect(t('gold', { op: 'gt', value: 'bronze' })).toBe(false);
    expect(t(5, { op: 'gt', value: '2026-01-01' })).toBe(false);
  });

  it('between is inclusive at both ends', () => {
    expect(t(25, { op: 'between', value: [25, 34] })).toBe(true);
    expect(t(34, { op: 'between', value: [25, 34] })).toBe(true);
    expect(t(34.5, { op: 'between', value: [25, 34] })).toBe(false);
    expect(t('2026-06-01T00:00:00Z', { op: 'between', value: ['2026-01-01', '2026-12-31'] })).toBe(true);
    expect(t(null, { op: 'between', value: [0, 1] })).toBe(false);
  });

  it('in / notIn', () => {
    expect(t('CN', { op: 'in', value: ['CN', 'SG'] })).toBe(true);
    expect(t('US', { op: 'in', value: ['CN', 'SG'] })).toBe(false);
    expect(t('US', { op: 'notIn', value: ['CN', 'SG'] })).toBe(true);
    expect(t(undefined, { op: 'notIn', value: ['CN'] })).toBe(true);
    expect(t(undefined, { op: 'in', value: ['CN'] })).toBe(false);
  });

  it('contains works on strings (substring) and arrays (element); startsWith on strings', () => {
    expect(t('lin@example.com', { op: 'contains', value: '@example' })).toBe(true);
    expect(t('Lin', { op: 'contains', value: 'lin' })).toBe(false);
    expect(t(['skincare', 'serum'], { op: 'contains', value: 'serum' })).toBe(true);
    expect(t(['skincare'], { op: 'contains', value: 'skin' })).toBe(false);
    expect(t([1, 2], { op: 'contains', value: 2 })).toBe(true);
    expect(t(12, { op: 'contains', value: 1 })).toBe(false);
    expect(t('+8613800000000', { op: 'startsWith', value: '+86' })).toBe(true);
    expect(t(8613, { op: 'startsWith', value: '86' })).toBe(false);
  });

  it('exists: not null or undefined; notExists is the complement', () => {
    expect(t('', { op: 'exists' })).toBe(true);
    expect(t(0, { op: 'exists' })).toBe(true);
    expect(t(null, { op: 'exists' })).toBe(false);
    expect(t(undefined, { op: 'notExists' })).toBe(true);
    expect(t(false, { op: 'notExists' })).toBe(false);
  });
});

describe('testNumber', () => {
  it('applies the one operator', () => {
    expect(testNumber(3, { gte: 3 })).toBe(true);
    expect(testNumber(3, { gt: 3 })).toBe(false);
    expect(testNumber(0, { eq: 0 })).toBe(true);
    expect(testNumber(1, { neq: 0 })).toBe(true);
    expect(testNumber(2, { lt: 3 })).toBe(true);
    expect(testNumber(3, { lte: 2 })).toBe(false);
    expect(testNumber(5, { between: [2, 5] })).toBe(true);
    expect(testNumber(6, { between: [2, 5] })).toBe(false);
  });
});
