import { perRuleObject } from './per-rule-object';
import type { EpochMs } from '../brand';
import { computedTraitNamed, type ComputedTraitDefinition } from '../traits/computed-trait.registry';
import { leadScoreFlipAfter } from '../traits/lead-score.trait';
import { EarliestAfter } from '../traits/trait-time';
import { TraitMemo } from '../traits/trait-memo';
import { DEFAULT_TRAITS_CONFIG, type TraitsConfig } from '../traits/traits.config';
import { eventConditionHolds, matchesEvent, nextEventConditionChangeAt } from './event-measure';
import type { ProfileSnapshot } from './profile-snapshot';
import { isMember, type EvaluationContext } from './rule.evaluator';
import { measureOf, type EventCondition, type Rule, type TraitCondition } from './rule.model';
import { inWindow, windowSpanOf } from './time-window';
import { testNumber, testValue } from './value-test';

export interface NextChangeContext extends EvaluationContext {
  /** How many leaf flips to check for a flip of the whole rule before settling for a conservative answer (default 64). */
  maxSteps?: number;
  /** How many change instants of one leaf to check for a flip of that leaf (default 1000). */
  maxLeafSteps?: number;
}

/** A leaf whose result can change with time alone: an event condition, or a condition on a computed trait. */
type TimedLeaf =
  | { kind: 'event'; condition: EventCondition }
  | { kind: 'trait'; condition: TraitCondition; trait: ComputedTraitDefinition };

function timedLeavesOf(rule: Rule, into: TimedLeaf[]): TimedLeaf[] {
  if ('all' in rule) for (const r of rule.all) timedLeavesOf(r, into);
  else if ('any' in rule) for (const r of rule.any) timedLeavesOf(r, into);
  else if ('not' in rule) timedLeavesOf(rule.not, into);
  else if ('event' in rule) into.push({ kind: 'event', condition: rule });
  else if ('trait' in rule) {
    const trait = computedTraitNamed(rule.trait);
    if (trait !== undefined) into.push({ kind: 'trait', condition: rule, trait });
  }
  return into;
}

/** The timed leaves of a rule, in document order (memoized per rule object; read-only). */
const timedLeavesOfRule: (rule: Rule) => readonly TimedLeaf[] = perRuleObject((rule: Rule) =>
  timedLeavesOf(rule, []),
);

function leafResult(
  leaf: TimedLeaf,
  events: ProfileSnapshot['events'],
  at: number,
  config: TraitsConfig,
  memo: TraitMemo,
): boolean {
  return leaf.kind === 'event'
    ? eventConditionHolds(leaf.condition, events, at, memo)
    : testValue(memo.value(leaf.trait, events, at, config), leaf.condition);
}

function leafInputChangeAfter(
  leaf: TimedLeaf,
  events: ProfileSnapshot['events'],
  at: number,
  config: TraitsConfig,
  memo: TraitMemo,
): EpochMs | undefined {
  return leaf.kind === 'event'
    ? nextEventConditionChangeAt(leaf.condition, events, at, memo)
    : memo.nextChangeAt(leaf.trait, events, at, config);
}

/** Comparisons whose result flips at most once while a number only moves one way. */
const MONOTONE_OPS: ReadonlySet<string> = new Set(['gt', 'gte', 'lt', 'lte']);

/**
 * Computed-trait leaves whose flip can be found without walking every change instant
 * (the walk's answer exactly; null: no shortcut for this condition, walk).
 */
function traitFlipShortcut(
  condition: TraitCondition,
  events: ProfileSnapshot['events'],
  from: number,
  config: TraitsConfig,
): EpochMs | undefined | null {
  if (condition.trait !== 'leadScore' || !MONOTONE_OPS.has(condition.op)) return null;
  if (typeof condition.value !== 'number') return null;
  return leadScoreFlipAfter((score) => testValue(score, condition), events, from, config);
}

/**
 * A count over a rolling window (or over all time) with no later-dated matching event: the
 * count only falls, at each matching event's exit instant (occurredAt + window), so the flip is
 * the first exit after which the comparison's result differs, found in one pass over the
 * matching events (the walk's answer exactly; null: another measure, a fixed window or an
 * arrival ahead, walk).
 */
function eventFlipShortcut(
  condition: EventCondition,
  events: ProfileSnapshot['events'],
  from: number,
  memo: TraitMemo,
): EpochMs | undefined | null {
  const measure = measureOf(condition);
  if (measure.kind !== 'count') return null;
  const span = windowSpanOf(condition.within);
  if (span.kind === 'fixed') return null;
  const exits: number[] = [];
  const matching = memo.matching(condition, events, matchesEvent);
  for (const e of matching ?? events) {
    if (matching === undefined && !matchesEvent(condition, e)) continue;
    if (e.occurredAt > from) return null;
    if (span.kind === 'rolling' && inWindow(e.occurredAt, from, span))
      exits.push(e.occurredAt + span.lengthMs);
  }
  if (span.kind === 'all') return undefined;
  // histories are usually in time order already: sort (which allocates) only when not
  for (let i = 1; i < exits.length; i++) {
    if (exits[i - 1] > exits[i]) {
      exits.sort((a, b) => a - b);
      break;
    }
  }
  const before = testNumber(exits.length, measure.comparison);
  for (let i = 0; i < exits.length; i++) {
    if (i + 1 < exits.length && exits[i + 1] === exits[i]) continue;
    if (testNumber(exits.length - i - 1, measure.comparison) !== before) return exits[i] as EpochMs;
  }
  return undefined;
}

/**
 * The first instant after `from` at which the leaf's result differs from its result at
 * `from`, walking the instants at which its inputs change; after `maxSteps` of them
 * without a flip, the last one (conservative). The lead score's decay and window counts are
 * solved instead of walked (traitFlipShortcut, eventFlipShortcut).
 */
function nextLeafFlip(
  leaf: TimedLeaf,
  events: ProfileSnapshot['events'],
  from: number,
  config: TraitsConfig,
  maxSteps: number,
  memo: TraitMemo,
): EpochMs | undefined {
  const shortcut =
    leaf.kind === 'trait'
      ? traitFlipShortcut(leaf.condition, events, from, config)
      : eventFlipShortcut(leaf.condition, events, from, memo);
  if (shortcut !== null) return shortcut;
  const before = leafResult(leaf, events, from, config, memo);
  let t = from;
  let candidate: EpochMs | undefined;
  for (let step = 0; step < maxSteps; step += 1) {
    candidate = leafInputChangeAfter(leaf, events, t, config, memo);
    if (candidate === undefined || leafResult(leaf, events, candidate, config, memo) !== before)
      return candidate;
    t = candidate;
  }
  return candidate;
}

/**
 * The earliest instant after `now` at which the rule's result for this profile flips with
 * no new event, or undefined when it never does.
 *
 * Every leaf is piecewise constant in time on half-open intervals `[c, c')`. Its inputs
 * change at: for event conditions, a later-dated matching event becoming due
 * (occurredAt), a matching event leaving a rolling window (occurredAt + window), a
 * lastSeen/firstSeen threshold maturing (occurredAt + duration); for computed traits,
 * each trait's own next-change instant (lifecycle churn and loyalty windows,
 * purchaseFrequency and rfm windows, rfm recency breakpoints, purchaseStage decision
 * expiry, leadScore decay steps at UTC midnight, arrivals of later-dated orders and
 * events). Identify traits and `inSegment` are constant (a membership change of a
 * referenced segment is the segmenter's cascade). For each leaf the first instant where
 * its result flips is found by walking its change instants; the rule can only flip at
 * one of those, so walking them in order and re-evaluating the rule gives the exact flip.
 * When a walk gives up (`maxLeafSteps` instants of one leaf, `maxSteps` leaf flips without
 * a rule flip) the instant reached is returned: earlier than any real flip, never later;
 * re-evaluating then finds no flip and asks again.
 *
 * Computed traits are always recomputed from `snapshot.events` (also at `now`;
 * `snapshot.computed` is ignored), so the events must include what the referenced
 * computed traits read.
 */
export function nextChangeAt(
  rule: Rule,
  snapshot: ProfileSnapshot,
  now: EpochMs,
  ctx: NextChangeContext = {},
): EpochMs | undefined {
  const leaves = timedLeavesOfRule(rule);
  if (leaves.length === 0) return undefined;
  const config = ctx.traitsConfig ?? DEFAULT_TRAITS_CONFIG;
  const maxSteps = Math.max(1, ctx.maxSteps ?? 64);
  const maxLeafSteps = Math.max(1, ctx.maxLeafSteps ?? 1000);
  const events = snapshot.events;
  const simulated: ProfileSnapshot =
    snapshot.computed === undefined ? snapshot : { ...snapshot, computed: undefined };
  // the walk asks for the same traits at the same instants again and again: always memoized
  const memo = ctx.traitMemo ?? new TraitMemo();
  const evaluationCtx: EvaluationContext =
    ctx.traitMemo !== undefined && ctx.traitsConfig !== undefined
      ? ctx
      : { traitsConfig: config, traitMemo: memo };
  const before = isMember(rule, simulated, now, evaluationCtx);

  const flips = leaves.map((leaf) => nextLeafFlip(leaf, events, now, config, maxLeafSteps, memo));
  let t: EpochMs = now;
  for (let step = 0; step < maxSteps; step += 1) {
    const next = new EarliestAfter(t);
    for (const flip of flips) next.offer(flip);
    const candidate = next.value;
    if (candidate === undefined) return undefined;
    if (isMember(rule, simulated, candidate, evaluationCtx) !== before) return candidate;
    t = candidate;
    leaves.forEach((leaf, i) => {
      const flip = flips[i];
      if (flip !== undefined && flip <= candidate)
        flips[i] = nextLeafFlip(leaf, events, candidate, config, maxLeafSteps, memo);
    });
  }
  return t;
}
