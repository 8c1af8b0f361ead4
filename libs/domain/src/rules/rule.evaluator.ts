import type { EpochMs } from '../brand';
import { computedTraitNamed } from '../traits/computed-trait.registry';
import type { ComputedTraits } from '../traits/computed-traits';
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
  const run = new RuleRun(snapshot, now, ctx, true);
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
  return new RuleRun(snapshot, now, ctx, false).rule(rule);
}

/** The explanation of a membership-only run: never written to (explain is false). */
const NO_REASONS: ReasonEntry[] = [];

class RuleRun {
  readonly reasons: ReasonEntry[];
  private readonly computed: ComputedTraits | undefined;

  constructor(
    private readonly snapshot: ProfileSnapshot,
    private readonly now: number,
    private readonly ctx: EvaluationContext,
    private readonly explain: boolean,
  ) {
    this.computed = snapshot.computed;
    this.reasons = explain ? [] : NO_REASONS;
  }

  rule(rule: Rule): boolean {
    if ('all' in rule) {
      let result = true;
      for (const child of rule.all) {
        if (!this.rule(child)) {
          result = false;
          if (!this.explain) return false;
        }
      }
      return result;
    }
    if ('any' in rule) {
      let result = false;
      for (const child of rule.any) {
        if (this.rule(child)) {
          result = true;
          if (!this.explain) return true;
        }
      }
      return result;
    }
    if ('not' in rule) return !this.rule(rule.not);
    return this.leaf(rule);
  }

  private leaf(condition: LeafCondition): boolean {
    let actual: unknown;
    let result: boolean;
    if ('trait' in condition) {
      actual = this.traitValue(condition);
      result = testValue(actual, condition);
    } else if ('event' in condition) {
      if (this.explain) {
        const outcome = measureEventCondition(condition, this.snapshot.events, this.now, this.ctx.traitMemo);
        actual = outcome.actual;
        result = outcome.result;
      } else {
        result = eventConditionHolds(condition, this.snapshot.events, this.now, this.ctx.traitMemo);
      }
    } else {
      result = this.snapshot.segments?.has(condition.inSegment) ?? false;
      actual = result;
    }
    if (this.explain)
      this.reasons.push({ condition: conditionLabel(condition), actual: actual ?? null, result });
    return result;
  }

  private traitValue(condition: TraitCondition): unknown {
    const definition = computedTraitNamed(condition.trait);
    if (definition === undefined) return identifyTraitOf(this.snapshot.traits, condition.trait);
    if (this.computed !== undefined) return definition.read(this.computed);
    // only the trait the condition reads (each definition computes exactly what computeTraits does)
    const config = this.ctx.traitsConfig ?? DEFAULT_TRAITS_CONFIG;
    return this.ctx.traitMemo
      ? this.ctx.traitMemo.value(definition, this.snapshot.events, this.now, config)
      : definition.compute(this.snapshot.events, this.now, config);
  }
}
