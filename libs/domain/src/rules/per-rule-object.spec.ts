import { perRuleObject } from './per-rule-object';

describe('perRuleObject', () => {
  it('computes once per object (undefined answers included), separately for each object', () => {
    const calls: object[] = [];
    const f = perRuleObject((k: { n?: number }) => {
      calls.push(k);
      return k.n;
    });
    const a = { n: 1 };
    const b = {};
    expect([f(a), f(a), f(b), f(b)]).toEqual([1, 1, undefined, undefined]);
    expect(calls).toEqual([a, b]);
  });
});
