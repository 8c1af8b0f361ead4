import { computedTraitNamed, validateRule, type Rule } from '@cdp/domain';
import type { FieldProblem } from '../common/api-errors';

/** One bucket of an axis part: its label and the rule selecting its profiles. */
export interface Bucket {
  label: string;
  rule: Rule;
}

/** One trait of an axis (`lifecycleStage`, `leadScore:0,10,50`), split into buckets that partition every profile. */
export interface DimensionPart {
  trait: string;
  buckets: Bucket[];
}

export type PartSpec =
  | { trait: string; kind: 'enum'; values: readonly (string | number | boolean)[] }
  | { trait: string; kind: 'ranges'; breaks: readonly (number | string)[] };

export const NONE_LABEL = '(none)';
export const OTHER_LABEL = '(other)';

const TRAIT = /^[\p{L}_$][\p{L}\p{N}_$:-]*(\.[\p{L}\p{N}_$:-]+)*$/u;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses an axis: `trait`, `trait:b1,b2,...` (numeric or ISO date breaks, ascending) or a
 * sub-dimension `a/b` (each part as before; the axis is their product). `path` names the query
 * parameter in errors. `isIdentifyTrait` says whether a non-computed trait exists.
 */
export function parseAxis(
  text: unknown,
  path: string,
): { ok: true; parts: { trait: string; breaks?: string[] }[] } | { ok: false; problems: FieldProblem[] } {
  if (typeof text !== 'string' || text.trim() === '') {
    return {
      ok: false,
      problems: [{ path, message: 'must name a trait or computed trait, e.g. lifecycleStage' }],
    };
  }
  const parts = text.split('/');
  if (parts.length > 3)
    return { ok: false, problems: [{ path, message: 'at most 3 sub-dimensions (a/b/c)' }] };
  const out: { trait: string; breaks?: string[] }[] = [];
  const problems: FieldProblem[] = [];
  for (const part of parts) {
    const idx = part.indexOf(':');
    // identify trait names may contain ':'; a break list is what follows the last ':' when it parses
    const trait = idx < 0 ? part : part.slice(0, part.lastIndexOf(':'));
    const breaks =
      idx < 0
        ? undefined
        : part
            .slice(part.lastIndexOf(':') + 1)
            .split(',')
            .map((s) => s.trim());
    if (!TRAIT.test(trait)) {
      problems.push({ path, message: `${JSON.stringify(trait)} is not a trait name` });
      continue;
    }
    out.push(breaks === undefined ? { trait } : { trait, breaks });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, parts: out };
}

/** Buckets of one part: ranges from breaks, the values of an enumerated computed trait, or given values. */
export function bucketsOf(
  spec: PartSpec,
  path: string,
): { ok: true; part: DimensionPart } | { ok: false; problems: FieldProblem[] } {
  const { trait } = spec;
  const buckets: Bucket[] = [];
  if (spec.kind === 'ranges') {
    const nums = spec.breaks.map((b) =>
      typeof b === 'number' ? b : /^-?\d+(\.\d+)?$/.test(b) ? Number(b) : NaN,
    );
    const numeric = nums.every((n) => Number.isFinite(n));
    const dates = spec.breaks.every(
      (b) => typeof b === 'string' && ISO_DATE.test(b) && Number.isFinite(Date.parse(b)),
    );
    if (!numeric && !dates) {
      return {
        ok: false,
        problems: [
          {
            path,
            message: `the ranges of ${trait} must be numbers or ISO dates, ascending, e.g. ${trait}:0,10,50`,
          },
        ],
      };
    }
    const values: (number | string)[] = numeric
      ? nums
      : spec.breaks.map((b) => new Date(Date.parse(String(b))).toISOString());
    const order = numeric ? (values as number[]) : values.map((v) => Date.parse(String(v)));
    for (let i = 1; i < order.length; i++) {
      if (!(order[i] > order[i - 1]))
        return {
          ok: false,
          problems: [{ path, message: `the breaks of ${trait} must be strictly ascending` }],
        };
    }
    const label = (v: number | string): string =>
      numeric ? String(v) : String(spec.breaks[values.indexOf(v)]);
    buckets.push({ label: `<${label(values[0])}`, rule: { trait, op: 'lt', value: values[0] } });
    for (let i = 0; i + 1 < values.length; i++) {
      buckets.push({
        label: `${label(values[i])}..${label(values[i + 1])}`,
        rule: {
          all: [
            { trait, op: 'gte', value: values[i] },
            { trait, op: 'lt', value: values[i + 1] },
          ],
        },
      });
    }
    buckets.push({
      label: `>=${label(values[values.length - 1])}`,
      rule: { trait, op: 'gte', value: values[values.length - 1] },
    });
  } else {
    for (const value of spec.values) buckets.push({ label: String(value), rule: { trait, op: 'eq', value } });
  }
  const rest =
    spec.kind === 'enum' && computedTraitNamed(trait)?.values === undefined ? OTHER_LABEL : NONE_LABEL;
  buckets.push({ label: rest, rule: { not: { any: buckets.map((b) => b.rule) } } });
  for (const b of buckets) {
    const checked = validateRule(b.rule);
    if (!checked.ok) {
      return {
        ok: false,
        problems: checked.problems.map((p) => ({ path, message: `${trait}: ${p.path} ${p.message}` })),
      };
    }
    b.rule = checked.rule;
  }
  return { ok: true, part: { trait, buckets } };
}
