import {
  asEpochMs,
  computedTraitNamed,
  isMember,
  nextChangeAt,
  type EvaluationContext,
  type ProfileSnapshot,
  type Rule,
} from '@cdp/domain';

/**
 * Computed traits that never change without a new event (later-dated events are never part of
 * a snapshot here), and `lifecycleStage` compared with `prospect` (a prospect stays one until an
 * order arrives; a buyer never becomes one again).
 */
const TIME_INVARIANT_TRAITS = new Set([
  'orderCount',
  'totalRevenue',
  'firstSeenAt',
  'lastSeenAt',
  'acquisitionChannel',
  'acquisitionSource',
]);

type Leaf = Exclude<Rule, { all: Rule[] } | { any: Rule[] } | { not: Rule }>;

function constantLeaf(leaf: Leaf): boolean {
  if ('inSegment' in leaf) return false;
  if ('trait' in leaf) {
    if (computedTraitNamed(leaf.trait) === undefined) return true;
    if (TIME_INVARIANT_TRAITS.has(leaf.trait)) return true;
    if (leaf.trait !== 'lifecycleStage') return false;
    const values = leaf.op === 'in' || leaf.op === 'notIn' ? leaf.value : [leaf.value];
    return ['eq', 'neq', 'in', 'notIn'].includes(leaf.op) && values.length === 1 && values[0] === 'prospect';
  }
  return false;
}

/** True when the leaf, false now, cannot turn true as time passes (without a new event). */
function canOnlyTurnTrueWithEvents(leaf: Leaf): boolean {
  if (constantLeaf(leaf)) return true;
  if ('trait' in leaf) {
    // the lead score only decays between events
    return leaf.trait === 'leadScore' && (leaf.op === 'gt' || leaf.op === 'gte');
  }
  if ('inSegment' in leaf) return false;
  if (leaf.sum !== undefined || leaf.firstSeen !== undefined) return false;
  if (leaf.lastSeen !== undefined) return leaf.lastSeen.newerThan !== undefined;
  if (leaf.count === undefined) return true;
  return leaf.count.gte !== undefined || leaf.count.gt !== undefined;
}

/** True when the leaf, true now, cannot turn false as time passes (without a new event). */
function canOnlyTurnFalseWithEvents(leaf: Leaf): boolean {
  if (constantLeaf(leaf)) return true;
  if ('trait' in leaf) return leaf.trait === 'leadScore' && (leaf.op === 'lt' || leaf.op === 'lte');
  if ('inSegment' in leaf) return false;
  if (leaf.sum !== undefined || leaf.firstSeen !== undefined || leaf.lastSeen !== undefined) return false;
  // events only leave windows: a count below a bound stays below it
  const c = leaf.count;
  return c !== undefined && (c.lt !== undefined || c.lte !== undefined || c.eq === 0);
}

/**
 * Whether `rule` keeps its current result (`member`) until the next event: a conjunction that
 * is false because of a part that stays false, a disjunction true because of a part that stays
 * true, and so on down to leaves whose kind can only move one way with time (a count at least
 * N within a window only goes down; a lead score only decays; identify traits never move).
 */
function settled(
  rule: Rule,
  snapshot: ProfileSnapshot,
  now: number,
  ctx: EvaluationContext,
  member: boolean,
): boolean {
  const at = asEpochMs(now);
  if ('all' in rule || 'any' in rule) {
    const children = 'all' in rule ? rule.all : rule.any;
    // all = false / any = true: one settled child decides; otherwise every child must be settled
    const decisive = 'all' in rule ? false : true;
    if (member === decisive) {
      for (let i = 0; i < children.length; i++) {
        const c = children[i];
        if (isMember(c, snapshot, at, ctx) === decisive && settled(c, snapshot, now, ctx, decisive))
          return true;
      }
      return false;
    }
    for (let i = 0; i < children.length; i++)
      if (!settled(children[i], snapshot, now, ctx, member)) return false;
    return true;
  }
  if ('not' in rule) return settled(rule.not, snapshot, now, ctx, !member);
  return member ? canOnlyTurnFalseWithEvents(rule) : canOnlyTurnTrueWithEvents(rule);
}

/**
 * `nextChangeAt` of the rule engine, skipped when the rule cannot flip without a new event
 * (see `settled`): the exact walk of the engine (computed traits day by day, for instance the
 * lead score's midnights) is only paid for rules whose result really can change with time.
 * The snapshot must hold only events at or before `now`; computed traits come from
 * `ctx.traitMemo` (or `snapshot.computed` for the membership test; the walk recomputes them).
 * `known`: the rule's result at `now` on this snapshot, when the caller has just computed it.
 */
export function nextFlipAt(
  rule: Rule,
  snapshot: ProfileSnapshot,
  now: number,
  ctx: EvaluationContext,
  known?: boolean,
): number | undefined {
  const member = known ?? isMember(rule, snapshot, asEpochMs(now), ctx);
  if (settled(rule, snapshot, now, ctx, member)) return undefined;
  return nextChangeAt(rule, withoutComputed(snapshot), asEpochMs(now), ctx);
}

/** The snapshot without its computed traits (what nextChangeAt reads). */
function withoutComputed(snapshot: ProfileSnapshot): ProfileSnapshot {
  if (snapshot.computed === undefined) return snapshot;
  const { computed: _computed, ...plain } = snapshot;
  return plain;
}
