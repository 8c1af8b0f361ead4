/** How deep `referencedSegmentIds` looks into a stored rule (they are validated to far less). */
const MAX_WALK_DEPTH = 64;
/** How many segments a cycle search visits at most. */
const MAX_VISITS = 1_000;

const own = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The `inSegment` ids a rule (any JSON, tolerated as is) refers to, in document order, without duplicates. */
export function referencedSegmentIds(rule: unknown): string[] {
  const ids: string[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_WALK_DEPTH || !isObject(node)) return;
    if (own(node, 'inSegment') && typeof node.inSegment === 'string' && !ids.includes(node.inSegment)) {
      ids.push(node.inSegment);
    }
    for (const key of ['all', 'any'] as const) {
      const children = own(node, key) ? node[key] : undefined;
      if (Array.isArray(children)) for (const child of children) walk(child, depth + 1);
    }
    if (own(node, 'not')) walk(node.not, depth + 1);
  };
  walk(rule, 0);
  return ids;
}

/**
 * Follows `inSegment` references from segment `start` through the stored rules
 * (`segments(id)`) and returns the first cycle found as a list of ids that starts and
 * ends with the same id (`[self, a, b, self]` when it comes back to `selfId`, the
 * segment being defined, whose stored rule is never read), or undefined. Segments that
 * `segments` does not know end the path.
 */
export function findReferenceCycle(
  start: string,
  selfId: string | undefined,
  segments: (id: string) => unknown,
): string[] | undefined {
  const done = new Set<string>();
  const stack: string[] = [];
  let visits = 0;
  const visit = (id: string): string[] | undefined => {
    if (id === selfId) return [selfId, ...stack, selfId];
    const open = stack.indexOf(id);
    if (open >= 0) return [...stack.slice(open), id];
    if (done.has(id) || visits >= MAX_VISITS) return undefined;
    visits += 1;
    const rule = segments(id);
    if (rule === undefined) return undefined;
    stack.push(id);
    for (const next of referencedSegmentIds(rule)) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    done.add(id);
    return undefined;
  };
  return visit(start);
}
