/**
 * Event name patterns of the traits configuration: an exact canonical name
 * (`Product Viewed`), or a prefix ending in `*` (`Social *` matches `Social Like`).
 */
export function matchesEventPattern(name: string, pattern: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** True when `name` matches one of `patterns`. */
export const matchesAnyEventPattern = (name: string, patterns: readonly string[]): boolean =>
  patterns.some((p) => matchesEventPattern(name, p));

/**
 * The value for `name` in a table keyed by patterns: the exact name wins, then the
 * longest matching prefix pattern; undefined when nothing matches.
 */
export function lookupByEventPattern<T>(name: string, table: Readonly<Record<string, T>>): T | undefined {
  if (Object.prototype.hasOwnProperty.call(table, name) && !name.endsWith('*')) return table[name];
  let best: { length: number; value: T } | undefined;
  for (const [pattern, value] of Object.entries(table)) {
    if (!pattern.endsWith('*') || !matchesEventPattern(name, pattern)) continue;
    if (best === undefined || pattern.length > best.length) best = { length: pattern.length, value };
  }
  return best?.value;
}
