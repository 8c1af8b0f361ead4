/**
 * `compute` memoized per argument object, for values derived from a (validated, never
 * changed) part of a rule: evaluation asks for them again at every event and instant, and an
 * answer held by a WeakMap goes away with the rule.
 */
export function perRuleObject<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const known = new WeakMap<K, V>();
  return (key) => {
    if (known.has(key)) return known.get(key) as V;
    const value = compute(key);
    known.set(key, value);
    return value;
  };
}
