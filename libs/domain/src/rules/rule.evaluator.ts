import type { EpochMs } from '../brand';
import { computedTraitNamed } from '../traits/computed-trait.registry';
import type { TraitMemo } from '../traits/trait-memo';
import { DEFAULT_TRAITS_CONFIG, type TraitsConfig } from '../traits/traits.config';
import { conditionLabel } from './condition-label';
import { eventConditionHolds, measureEventCondition } from './event-measure';
import { identifyTraitOf, type ProfileSnapshot } from './profile-snapshot';
import type { LeafCondition, Rule, TraitCondition } from './rule.model';
import { testValue } from './value-test';

/** One leaf condition of an explanation, as in the `reason` array of contract section 7. */
export interface ReasonEntry {
  condition: string;
  /** The trait value (null when missing), the count or sum, the ISO instant of lastSeen/firstSeen (or null), or membership. */
  actual: unknown;
  result: boolean;
}

export interface Evaluation {
  member: boolean;
  reason: ReasonEntry[];
}

export interface EvaluationContext {
  /** Thresholds of computed traits computed on demand; DEFAULT_TRAITS_CONFIG when absent. */
  traitsConfig?: TraitsConfig;
  /**
   * Shares computed-trait values between evaluations over the same events (several rules of
   * one profile at one instant); without it each evaluation computes what it reads.
   */
  traitMemo?: TraitMemo;
}

/**
 * Evaluates a validated rule for one profile at `now`, with an explanation: one reason
 * entry per leaf condition, in document order (depth first). Every leaf is evaluated,
 * also where `all`/`any` could stop early, so the explanation is complete; a leaf under
 * `not` reports its own result (before negation). Semantics: `all` = every child true,
 * `any` = some child true, `not` = negation; leaves as in value-test.ts (traits),
 * event-measure.ts and time-window.ts (events); `inSegment` = the id is in
 * `snapshot.segments`. A trait name that is a computed trait (COMPUTED_TRAITS) reads the
 * computed value (`snapshot.computed`, else computed from the events at `now`); any
 * other name reads `snapshot.traits`.
 */
export function evaluate(
  rule: Rule,
  snapshot: ProfileSnapshot,
  now: EpochMs,
  ctx: EvaluationContext = {},
): Evaluation {
  const run = new RuleRun(snapshot, now, ctx);
  const member = run.rule(rule);
  return { member, reason: run.reasons };
}

/** Membership only, as `evaluate(...).member`, short-circuiting `all`/`any` (the fast path). */
export function isMember(
  rule: Rule,
  snapshot: ProfileSnapshot,
  now: EpochMs,
  ctx: EvaluationContext = {},
): boolean {
  // no RuleRun and no explanation: called for every segment of every evaluated profile
  if ('all' in rule) {
    for (const child of rule.all) if (!isMember(child, snapshot, now, ctx)) return false;
    return true;
  }
  if ('any' in rule) {
    for (const child of rule.any) if (isMember(child, snapshot, now, ctx)) return true;
    return false;
  }
  if ('not' in rule) return !isMember(rule.not, snapshot, now, ctx);
  if ('trait' in rule) return testValue(traitValueOf(rule, snapshot, now, ctx), rule);
  if ('event' in rule) return eventConditionHolds(rule, snapshot.events, now, ctx.traitMemo);
  return snapshot.segments?.has(rule.inSegment) ?? false;
}

/** The value a trait condition reads: the computed trait's (snapshot.computed, the memo, or computed now) or the identify trait. */
function traitValueOf(
  condition: TraitCondition,
  snapshot: ProfileSnapshot,
  now: number,
  ctx: EvaluationContext,
): unknown {
  const definition = computedTraitNamed(condition.trait);
  if (definition === undefined) return identifyTraitOf(snapshot.traits, condition.trait);
  if (snapshot.computed !== undefined) return definition.read(snapshot.computed);
  // only the trait the condition reads (each definition computes exactly what computeTraits does)
  const config = ctx.traitsConfig ?? DEFAULT_TRAITS_CONFIG;
  return ctx.traitMemo
    ? ctx.traitMemo.value(definition, snapshot.events, now, config)
    : definition.compute(snapshot.events, now, config);
}

/** An explained evaluation: every leaf is evaluated and reported, in document order. */
class RuleRun {
  readonly reasons: ReasonEntry[] = [];

  constructor(
    private readonly snapshot: ProfileSnapshot,
    private readonly now: number,
    private readonly ctx: EvaluationContext,
  ) {}

  rule(rule: Rule): boolean {
    if ('all' in rule) {
      let result = true;
      for (const child of rule.all) if (!this.rule(child)) result = false;
      return result;
    }
    if ('any' in rule) {
      let result = false;
      for (const child of rule.any) if (this.rule(child)) result = true;
      return result;
    }
    if ('not' in rule) return !this.rule(rule.not);
    return this.leaf(rule);
  }

  private leaf(condition: LeafCondition): boolean {
    let actual: unknown;
    let result: boolean;
    if ('trait' in condition) {
      actual = traitValueOf(condition, this.snapshot, this.now, this.ctx);
      result = testValue(actual, condition);
    } else if ('event' in condition) {
      const outcome = measureEventCondition(condition, this.snapshot.events, this.now, this.ctx.traitMemo);
      actual = outcome.actual;
      result = outcome.result;
    } else {
      result = this.snapshot.segments?.has(condition.inSegment) ?? false;
      actual = result;
    }
    this.reasons.push({ condition: conditionLabel(condition), actual: actual ?? null, result });
    return result;
  }
}
