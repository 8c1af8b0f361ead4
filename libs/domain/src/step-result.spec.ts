import { dlq, drop, ok, pipe, StepResult } from './step-result';

const parse = (s: string): StepResult<number> =>
  /^\d+$/.test(s) ? ok(Number(s)) : dlq('not_a_number', [{ path: '$', message: `"${s}" is not a number` }]);
const positive = (n: number): StepResult<number> => (n > 0 ? ok(n) : drop('zero'));

describe('StepResult pipe', () => {
  it('passes the value through ok steps', () => {
    expect(pipe(parse('42'), positive)).toEqual({ kind: 'ok', value: 42 });
  });
  it('stops at the first dlq and keeps its reasons', () => {
    let called = false;
    const r = pipe(parse('x'), (n) => {
      called = true;
      return positive(n);
    });
    expect(called).toBe(false);
    expect(r).toEqual({
      kind: 'dlq',
      reason: 'not_a_number',
      problems: [{ path: '$', message: '"x" is not a number' }],
    });
  });
  it('reports a drop with its reason', () => {
    expect(pipe(parse('0'), positive)).toEqual({ kind: 'drop', reason: 'zero' });
  });
});
