import type { EpochMs } from '../brand';
import { parseIsoTimestamp } from '../events/iso-timestamp';
import { firstTouchOf, type FirstTouch } from '../traits/acquisition-channel.trait';
import { computedTraitNamed } from '../traits/computed-trait.registry';
import type { EventFact } from '../traits/event-fact';
import { lookupByEventPattern, matchesAnyEventPattern } from '../traits/event-name-pattern';
import type { LifecycleStage } from '../traits/lifecycle-stage.trait';
import { countedRevenue, ORDER_COMPLETED, ORDER_REFUNDED, OrderHistory } from '../traits/order-history';
import type { PurchaseFrequency } from '../traits/purchase-frequency.trait';
import { PURCHASE_STAGES, type PurchaseStage } from '../traits/purchase-stage.trait';
import { rfmSegmentOf, type Rfm, type RfmScoreValue } from '../traits/rfm.trait';
import { DAY_MS, roundTo, toIso, utcDayOf } from '../traits/trait-time';
import { DEFAULT_TRAITS_CONFIG, type TraitsConfig } from '../traits/traits.config';
import { eventPropertyOf } from './event-measure';
import { identifyTraitOf, type ProfileSnapshot } from './profile-snapshot';
import type { EvaluationContext } from './rule.evaluator';
import {
  comparisonOf,
  measureOf,
  type EventCondition,
  type NumberComparison,
  type Rule,
  type TraitCondition,
  type ValueTest,
} from './rule.model';
import { durationMs, windowSpanOf, type WindowSpan } from './time-window';
import { testValue } from './value-test';

/**
 * Rules compiled once into closures, for evaluating many segments against many
 * profiles (the segmenter's batches): the same membership as `isMember` / `evaluate`
 * (a property test checks it), several times faster.
 *
 * - Each rule becomes a tree of closures (no re-dispatch on the rule shape per profile).
 * - A profile is prepared once per evaluation instant and shared by all rules: its
 *   events are bucketed by the event names the rules mention (a bucket in time order
 *   allows binary search for the window bounds), and computed traits are computed lazily,
 *   once, from shared intermediate results (one order history for lifecycle, frequency,
 *   RFM and totals; event-name classifications and decay factors cached per rule set).
 *   The formulas are those of ../traits (same order of floating-point operations).
 * - `snapshot.computed`, when present, is read as the evaluator reads it.
 * - One instance keeps one reusable per-profile scratch object: use it synchronously
 *   (as everything in JavaScript is), one profile at a time.
 *
 * ```ts
 * const rules = compileRules(segments.map((s) => s.rule), { traitsConfig });
 * const members = rules.evaluate(snapshot, now); // boolean per rule, in order
 * ```
 */
export class CompiledRules {
  private readonly predicates: Predicate[];
  private readonly shared: SharedCaches;
  private readonly facts: ProfileFacts;

  constructor(
    readonly rules: readonly Rule[],
    ctx: EvaluationContext = {},
  ) {
    this.shared = new SharedCaches(ctx.traitsConfig ?? DEFAULT_TRAITS_CONFIG);
    this.predicates = rules.map((r) => compile(r, this.shared));
    this.facts = new ProfileFacts(this.shared);
  }

  /** Membership of the profile in every rule, in the order of `rules`. */
  evaluate(snapshot: ProfileSnapshot, now: EpochMs): boolean[] {
    const facts = this.facts.reset(snapshot, now);
    return this.predicates.map((p) => p(facts));
  }

  /** Membership in rule `index` only. */
  isMember(index: number, snapshot: ProfileSnapshot, now: EpochMs): boolean {
    return this.predicates[index](this.facts.reset(snapshot, now));
  }

  /** Calls `onMember(ruleIndex)` for every rule the profile is a member of. */
  forEachMember(snapshot: ProfileSnapshot, now: EpochMs, onMember: (ruleIndex: number) => void): void {
    const facts = this.facts.reset(snapshot, now);
    for (let i = 0; i < this.predicates.length; i += 1) if (this.predicates[i](facts)) onMember(i);
  }
}

export function compileRules(rules: readonly Rule[], ctx: EvaluationContext = {}): CompiledRules {
  return new CompiledRules(rules, ctx);
}

/** One rule as a function of (snapshot, now), the same as `isMember(rule, snapshot, now, ctx)`. */
export function compileRule(
  rule: Rule,
  ctx: EvaluationContext = {},
): (snapshot: ProfileSnapshot, now: EpochMs) => boolean {
  const compiled = new CompiledRules([rule], ctx);
  return (snapshot, now) => compiled.isMember(0, snapshot, now);
}

// ---------------------------------------------------------------------------------------

type Predicate = (facts: ProfileFacts) => boolean;

function compile(rule: Rule, shared: SharedCaches): Predicate {
  if ('all' in rule) {
    const children = rule.all.map((r) => compile(r, shared));
    return (f) => {
      for (const c of children) if (!c(f)) return false;
      return true;
    };
  }
  if ('any' in rule) {
    const children = rule.any.map((r) => compile(r, shared));
    return (f) => {
      for (const c of children) if (c(f)) return true;
      return false;
    };
  }
  if ('not' in rule) {
    const child = compile(rule.not, shared);
    return (f) => !child(f);
  }
  if ('trait' in rule) return compileTrait(rule);
  if ('event' in rule) return compileEvent(rule, shared);
  const id = rule.inSegment;
  return (f) => f.snapshot.segments?.has(id) ?? false;
}

/**
 * `testValue(actual, test)` as a closure: equality and list membership precompiled
 * (`sameScalar` is strict equality of a string, number or boolean, which is what a Set
 * of the validated, finite values gives), everything else through testValue itself.
 */
function valueTest(test: ValueTest): (actual: unknown) => boolean {
  const scalar = (a: unknown): boolean =>
    typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean';
  switch (test.op) {
    case 'eq': {
      const v = test.value;
      return (a) => a === v && scalar(a);
    }
    case 'neq': {
      const v = test.value;
      return (a) => !(a === v && scalar(a));
    }
    case 'in': {
      const set = new Set<unknown>(test.value);
      return (a) => scalar(a) && set.has(a);
    }
    case 'notIn': {
      const set = new Set<unknown>(test.value);
      return (a) => !(scalar(a) && set.has(a));
    }
    default:
      return (a) => testValue(a, test);
  }
}

function compileTrait(condition: TraitCondition): Predicate {
  const computed = computedTraitNamed(condition.trait);
  const test = valueTest(condition);
  if (computed === undefined) {
    const name = condition.trait;
    return (f) => test(identifyTraitOf(f.snapshot.traits, name));
  }
  const read = FAST_TRAITS[computed.name];
  const instant = computed.type === 'datetime' ? instantTest(condition) : undefined;
  if (instant !== undefined) {
    // firstSeenAt / lastSeenAt are toIso(ms): an ordering test on them is a test on ms
    const which = computed.name === 'firstSeenAt' ? 'first' : 'last';
    return (f) =>
      f.snapshot.computed !== undefined
        ? testValue(computed.read(f.snapshot.computed), condition)
        : instant(seenAtMs(f, which));
  }
  return (f) => test(f.snapshot.computed !== undefined ? computed.read(f.snapshot.computed) : read(f));
}

/**
 * `testValue(toIso(ms), test)` for the ordering operators without formatting: both sides
 * must be ISO instants (else false, as `ordered` of value-test.ts); undefined for other
 * operators.
 */
function instantTest(test: TraitCondition): ((ms: number | undefined) => boolean) | undefined {
  const at = (v: unknown): number | undefined => (typeof v === 'string' ? parseIsoTimestamp(v) : undefined);
  switch (test.op) {
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const x = at(test.value);
      if (x === undefined) return () => false;
      const op = test.op;
      return (ms) =>
        ms !== undefined && (op === 'gt' ? ms > x : op === 'gte' ? ms >= x : op === 'lt' ? ms < x : ms <= x);
    }
    case 'between': {
      const lo = at(test.value[0]);
      const hi = at(test.value[1]);
      if (lo === undefined || hi === undefined) return () => false;
      return (ms) => ms !== undefined && ms >= lo && ms <= hi;
    }
    default:
      return undefined;
  }
}

/** A measure's comparison as a closure (`testNumber` without re-reading the comparison). */
function numberTest(comparison: NumberComparison): (n: number) => boolean {
  const c = comparisonOf(comparison);
  switch (c.op) {
    case 'eq':
      return (n) => n === c.value;
    case 'neq':
      return (n) => n !== c.value;
    case 'gt':
      return (n) => n > c.value;
    case 'gte':
      return (n) => n >= c.value;
    case 'lt':
      return (n) => n < c.value;
    case 'lte':
      return (n) => n <= c.value;
    case 'between': {
      const [lo, hi] = c.value;
      return (n) => n >= lo && n <= hi;
    }
  }
}

function compileEvent(condition: EventCondition, shared: SharedCaches): Predicate {
  const slot = shared.slotOf(condition.event);
  const span = windowSpanOf(condition.within);
  const measure = measureOf(condition);
  const source = condition.source;
  const where = condition.where;
  const filtered = source !== undefined || where !== undefined;
  const matches = (e: EventFact): boolean => {
    if (source !== undefined && e.source !== source) return false;
    if (where !== undefined)
      for (const w of where) if (!testValue(eventPropertyOf(e, w.property), w)) return false;
    return true;
  };
  const recencyMs =
    measure.kind === 'lastSeen' || measure.kind === 'firstSeen' ? durationMs(measure.duration) : 0;
  const compare =
    measure.kind === 'count' || measure.kind === 'sum' ? numberTest(measure.comparison) : undefined;

  return (f) => {
    const events = f.bucket(slot);
    if (events.length === 0 && measure.kind !== 'count' && measure.kind !== 'sum') return false;
    const now = f.now;
    const sorted = f.sorted(slot);
    const lo = sorted ? lowerIndex(events, now, span) : 0;
    const hi = sorted ? Math.max(lo, upperIndex(events, now, span)) : events.length;
    switch (measure.kind) {
      case 'count': {
        let count = 0;
        if (!filtered && sorted) count = hi - lo;
        else
          for (let i = lo; i < hi; i += 1) if (inSpan(events[i], now, span) && matches(events[i])) count += 1;
        return compare !== undefined && compare(count);
      }
      case 'sum': {
        let sum = 0;
        const property = measure.property;
        for (let i = lo; i < hi; i += 1) {
          const e = events[i];
          if (!inSpan(e, now, span) || !matches(e)) continue;
          const v = eventPropertyOf(e, property);
          if (typeof v === 'number' && Number.isFinite(v)) sum += v;
        }
        return compare !== undefined && compare(roundTo(sum, 6));
      }
      case 'lastSeen':
      case 'firstSeen': {
        let at: number | undefined;
        const last = measure.kind === 'lastSeen';
        for (let i = lo; i < hi; i += 1) {
          const e = events[i];
          if (!inSpan(e, now, span) || !matches(e)) continue;
          if (at === undefined || (last ? e.occurredAt > at : e.occurredAt < at)) at = e.occurredAt;
        }
        if (at === undefined) return false;
        const threshold = now - recencyMs;
        return measure.direction === 'olderThan' ? at <= threshold : at > threshold;
      }
    }
  };
}

/** `inWindow` of time-window.ts. */
function inSpan(e: EventFact, now: number, span: WindowSpan): boolean {
  const at = e.occurredAt;
  switch (span.kind) {
    case 'all':
      return at <= now;
    case 'rolling':
      return at <= now && at > now - span.lengthMs;
    case 'fixed':
      return at <= now && at >= span.from && at < span.to;
  }
}

/** First index of a time-ordered bucket that can be in the window. */
function lowerIndex(events: readonly EventFact[], now: number, span: WindowSpan): number {
  switch (span.kind) {
    case 'all':
      return 0;
    case 'rolling':
      return firstAfter(events, now - span.lengthMs);
    case 'fixed':
      return firstAtOrAfter(events, span.from);
  }
}

/** One past the last index of a time-ordered bucket that can be in the window. */
function upperIndex(events: readonly EventFact[], now: number, span: WindowSpan): number {
  const end = firstAfter(events, now);
  return span.kind === 'fixed' ? Math.min(end, firstAtOrAfter(events, span.to)) : end;
}

/** First index in [0, n) whose instant is > x (events in time order). */
function firstAfter(events: readonly EventFact[], x: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid].occurredAt > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** First index in [0, n) whose instant is >= x. */
function firstAtOrAfter(events: readonly EventFact[], x: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid].occurredAt >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------

/** Per rule set: the configuration and what can be cached across profiles. */
class SharedCaches {
  /** leadScore weight per event name (lookupByEventPattern). */
  readonly weights: Record<string, number | null | undefined> = Object.create(null) as Record<
    string,
    number | null | undefined
  >;
  /** purchaseStage class per event name: 3 order, 2 decision, 1 consideration, 0 other. */
  readonly stageClass = new Map<string, number>();
  /** 0.5 ** (ageDays / halfLifeDays) per age in days. */
  readonly decay: number[] = [];
  readonly orderSlot: number;
  readonly refundSlot: number;

  /** Event name -> bucket slot, for the names the rules mention (and orders, refunds); no prototype, fast lookups. */
  readonly slots: Record<string, number | undefined> = Object.create(null) as Record<
    string,
    number | undefined
  >;
  slotCount = 0;

  constructor(readonly config: TraitsConfig) {
    this.orderSlot = this.slotOf(ORDER_COMPLETED);
    this.refundSlot = this.slotOf(ORDER_REFUNDED);
  }

  /** Bucket slot -> event name. */
  readonly slotNames: string[] = [];

  slotOf(name: string): number {
    let slot = this.slots[name];
    if (slot === undefined) {
      slot = this.slotCount;
      this.slots[name] = slot;
      this.slotNames.push(name);
      this.slotCount += 1;
    }
    return slot;
  }

  weight(name: string): number | undefined {
    const cached = this.weights[name];
    if (cached !== undefined) return cached ?? undefined;
    const w = lookupByEventPattern(name, this.config.leadScore.weights);
    this.weights[name] = w ?? null;
    return w;
  }

  classOf(name: string): number {
    let c = this.stageClass.get(name);
    if (c === undefined) {
      const { decisionEvents, considerationEvents } = this.config.purchaseStage;
      c = name === ORDER_COMPLETED ? 3 : matchesAnyEventPattern(name, decisionEvents) ? 2 : 0;
      if (c === 0 && matchesAnyEventPattern(name, considerationEvents)) c = 1;
      this.stageClass.set(name, c);
    }
    return c;
  }

  decayFactor(ageDays: number): number {
    if (ageDays < 0 || ageDays > 100_000) return 0.5 ** (ageDays / this.config.leadScore.halfLifeDays);
    let d = this.decay[ageDays];
    if (d === undefined) {
      d = 0.5 ** (ageDays / this.config.leadScore.halfLifeDays);
      this.decay[ageDays] = d;
    }
    return d;
  }
}

/**
 * One profile at one instant, prepared for every rule of a set. One instance per rule set
 * is reused from profile to profile (`reset`): evaluation is synchronous, and reusing the
 * bucket arrays keeps a batch free of per-profile garbage.
 */
class ProfileFacts {
  snapshot!: ProfileSnapshot;
  now = 0;
  /** Profile counter: a bucket was collected for the current profile when its mark equals it. */
  private generation = 0;
  private filledAt = -1;
  private readonly buckets: EventFact[][] = [];
  private readonly ordered: boolean[] = [];
  private orderView: OrderView | undefined;
  /** Computed values, each computed once per profile (null: not yet). */
  rfm: Rfm | undefined | null = null;
  totals: { orderCount: number; totalRevenue: number } | null = null;
  leadScore: number | null = null;
  purchaseStage: PurchaseStage | undefined | null = null;
  firstTouch: FirstTouch | undefined | null = null;
  seenFirst: number | undefined | null = null;
  seenLast: number | undefined = undefined;

  constructor(readonly shared: SharedCaches) {}

  reset(snapshot: ProfileSnapshot, now: number): this {
    this.snapshot = snapshot;
    this.now = now;
    this.generation += 1;
    this.orderView = undefined;
    this.rfm = null;
    this.totals = null;
    this.leadScore = null;
    this.purchaseStage = null;
    this.firstTouch = null;
    this.seenFirst = null;
    return this;
  }

  /** The profile's events with the bucket's name, in snapshot order. */
  bucket(slot: number): readonly EventFact[] {
    if (this.filledAt !== this.generation) this.fill();
    return this.buckets[slot];
  }

  /** Whether a bucket is in time order (then windows are found by binary search). */
  sorted(slot: number): boolean {
    if (this.filledAt !== this.generation) this.fill();
    return this.ordered[slot];
  }

  /** One pass over the events into the buckets of the rules' names (arrays reused across profiles). */
  private fill(): void {
    const { slots, slotCount } = this.shared;
    const { buckets, ordered } = this;
    for (let i = 0; i < slotCount; i += 1) {
      if (buckets[i] === undefined) buckets[i] = [];
      else buckets[i].length = 0;
      ordered[i] = true;
    }
    const events = this.snapshot.events;
    for (let i = 0; i < events.length; i += 1) {
      const e = events[i];
      const slot = slots[e.name];
      if (slot === undefined) continue;
      const b = buckets[slot];
      if (b.length > 0 && b[b.length - 1].occurredAt > e.occurredAt) ordered[slot] = false;
      b.push(e);
    }
    this.filledAt = this.generation;
  }

  /** Completed orders and refunds at or before now (order-history.ts), shared by the order-based traits. */
  orders(): OrderView {
    if (this.orderView === undefined) {
      const { orderSlot, refundSlot, config } = this.shared;
      this.orderView =
        this.sorted(orderSlot) && this.sorted(refundSlot)
          ? new BucketOrders(this.bucket(orderSlot), this.bucket(refundSlot), this.now, config)
          : new HistoryOrders(new OrderHistory(this.snapshot.events, this.now, config), this.now);
    }
    return this.orderView;
  }
}

/** What the order-based traits read: OrderHistory's orders and refunds (time order, at or before now). */
interface OrderView {
  readonly count: number;
  readonly lastOrderAt: number | undefined;
  /** Orders in `(now - lengthMs, now]`. */
  ordersWithin(lengthMs: number): number;
  /** Counted order revenue minus refunds, added in time order as the traits do; `lengthMs` undefined: all. */
  net(lengthMs: number | undefined): number;
}

/** From time-ordered buckets: no copy, no sort (a time-ordered bucket is OrderHistory's stable sort). */
class BucketOrders implements OrderView {
  readonly count: number;
  private readonly refundCount: number;

  constructor(
    private readonly orders: readonly EventFact[],
    private readonly refunds: readonly EventFact[],
    private readonly now: number,
    private readonly config: TraitsConfig,
  ) {
    this.count = firstAfter(orders, now);
    this.refundCount = firstAfter(refunds, now);
  }

  get lastOrderAt(): number | undefined {
    return this.count === 0 ? undefined : this.orders[this.count - 1].occurredAt;
  }

  ordersWithin(lengthMs: number): number {
    return this.count - Math.min(this.count, firstAfter(this.orders, this.now - lengthMs));
  }

  net(lengthMs: number | undefined): number {
    const after = lengthMs === undefined ? -Infinity : this.now - lengthMs;
    let net = 0;
    for (let i = 0; i < this.count; i += 1) {
      const o = this.orders[i];
      if (o.occurredAt > after) net += countedRevenue(o, this.config);
    }
    for (let i = 0; i < this.refundCount; i += 1) {
      const x = this.refunds[i];
      if (x.occurredAt > after) net -= countedRevenue(x, this.config);
    }
    return net;
  }
}

class HistoryOrders implements OrderView {
  constructor(
    private readonly history: OrderHistory,
    private readonly now: number,
  ) {}

  get count(): number {
    return this.history.orders.length;
  }

  get lastOrderAt(): number | undefined {
    return this.history.lastOrderAt;
  }

  ordersWithin(lengthMs: number): number {
    return this.history.ordersWithin(this.now, lengthMs);
  }

  net(lengthMs: number | undefined): number {
    const after = lengthMs === undefined ? -Infinity : this.now - lengthMs;
    let net = 0;
    for (const o of this.history.orders) if (o.at > after) net += o.revenue;
    for (const x of this.history.refunds) if (x.at > after) net -= x.revenue;
    return net;
  }
}

// ---------------------------------------------------------------------------------------
// Computed traits from the shared intermediate results; each mirrors its definition in
// ../traits (the spec compares them with computeTraits on random histories).

/** lifecycle-stage.trait.ts */
function lifecycleStage(f: ProfileFacts): LifecycleStage {
  const orders = f.orders();
  const { loyalOrders, loyalWindowDays, churnDays } = f.shared.config.lifecycle;
  const last = orders.lastOrderAt;
  if (last === undefined) return 'prospect';
  if (last <= f.now - churnDays * DAY_MS) return 'churned';
  if (orders.ordersWithin(loyalWindowDays * DAY_MS) >= loyalOrders) return 'loyal';
  return orders.count >= 2 ? 'active' : 'new';
}

/** purchase-frequency.trait.ts */
function purchaseFrequency(f: ProfileFacts): PurchaseFrequency {
  const { windowDays, high, medium, low } = f.shared.config.purchaseFrequency;
  const k = f.orders().ordersWithin(windowDays * DAY_MS);
  if (k >= high) return 'high';
  if (k >= medium) return 'medium';
  if (k >= low) return 'low';
  return 'none';
}

const score = (n: number): RfmScoreValue => Math.min(5, Math.max(1, n)) as RfmScoreValue;

/** 1 + the number of thresholds `value` reaches, at most 5 (rfm.trait.ts). */
function scoreAtLeast(value: number, thresholds: readonly number[]): RfmScoreValue {
  let reached = 0;
  for (const t of thresholds) if (value >= t) reached += 1;
  return score(1 + reached);
}

/** rfm.trait.ts */
function rfm(f: ProfileFacts): Rfm | undefined {
  if (f.rfm !== null) return f.rfm;
  return (f.rfm = (() => {
    const orders = f.orders();
    const last = orders.lastOrderAt;
    if (last === undefined) return undefined;
    const now = f.now;
    const { windowDays, recencyDays, frequencyOrders, monetary } = f.shared.config.rfm;
    let older = 0;
    for (const d of recencyDays) if (!(last > now - d * DAY_MS)) older += 1;
    const r = score(5 - older);
    const windowMs = windowDays * DAY_MS;
    const fScore = scoreAtLeast(orders.ordersWithin(windowMs), frequencyOrders);
    const m = scoreAtLeast(roundTo(orders.net(windowMs), 2), monetary);
    return { r, f: fScore, m, segment: rfmSegmentOf(r, fScore, m) };
  })());
}

/** order-totals.trait.ts */
function totals(f: ProfileFacts): { orderCount: number; totalRevenue: number } {
  if (f.totals !== null) return f.totals;
  return (f.totals = (() => {
    const orders = f.orders();
    return { orderCount: orders.count, totalRevenue: roundTo(orders.net(undefined), 2) };
  })());
}

/** lead-score.trait.ts */
function leadScore(f: ProfileFacts): number {
  if (f.leadScore !== null) return f.leadScore;
  return (f.leadScore = (() => {
    const today = utcDayOf(f.now);
    let total = 0;
    for (const e of f.snapshot.events) {
      if (e.occurredAt > f.now) continue;
      const weight = f.shared.weight(e.name);
      if (weight === undefined || weight === 0) continue;
      total += weight * f.shared.decayFactor(today - utcDayOf(e.occurredAt));
    }
    return roundTo(total, 2);
  })());
}

/** purchase-stage.trait.ts */
function purchaseStage(f: ProfileFacts): PurchaseStage | undefined {
  if (f.purchaseStage !== null) return f.purchaseStage;
  return (f.purchaseStage = (() => {
    const windowMs = f.shared.config.purchaseStage.decisionWindowDays * DAY_MS;
    let stage = -1;
    for (const e of f.snapshot.events) {
      if (e.occurredAt > f.now) continue;
      let level = f.shared.classOf(e.name);
      if (level === 2 && !(e.occurredAt <= f.now && e.occurredAt > f.now - windowMs)) level = 1;
      if (level > stage) stage = level;
      if (stage === 3) break;
    }
    return stage < 0 ? undefined : PURCHASE_STAGES[stage];
  })());
}

function firstTouch(f: ProfileFacts): FirstTouch | undefined {
  if (f.firstTouch === null) f.firstTouch = firstTouchOf(f.snapshot.events, f.now, f.shared.config);
  return f.firstTouch;
}

/** seen-at.trait.ts, as ms: the earliest / latest event at or before now. */
function seenAtMs(f: ProfileFacts, which: 'first' | 'last'): number | undefined {
  if (f.seenFirst === null) {
    let first: number | undefined;
    let last: number | undefined;
    for (const e of f.snapshot.events) {
      if (e.occurredAt > f.now) continue;
      if (first === undefined || e.occurredAt < first) first = e.occurredAt;
      if (last === undefined || e.occurredAt > last) last = e.occurredAt;
    }
    f.seenFirst = first;
    f.seenLast = last;
  }
  return which === 'first' ? f.seenFirst : f.seenLast;
}

const isoOf = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : toIso(ms));

const FAST_TRAITS: Record<string, (f: ProfileFacts) => string | number | undefined> = {
  lifecycleStage,
  purchaseFrequency,
  'rfm.r': (f) => rfm(f)?.r,
  'rfm.f': (f) => rfm(f)?.f,
  'rfm.m': (f) => rfm(f)?.m,
  'rfm.segment': (f) => rfm(f)?.segment,
  acquisitionChannel: (f) => firstTouch(f)?.channel,
  acquisitionSource: (f) => firstTouch(f)?.source,
  purchaseStage,
  leadScore,
  orderCount: (f) => totals(f).orderCount,
  totalRevenue: (f) => totals(f).totalRevenue,
  firstSeenAt: (f) => isoOf(seenAtMs(f, 'first')),
  lastSeenAt: (f) => isoOf(seenAtMs(f, 'last')),
};
