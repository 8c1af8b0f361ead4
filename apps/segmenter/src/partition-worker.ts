import type { KafkaOrigin, Rule } from '@cdp/domain';
import { buildSegmentEvent } from '@cdp/domain/segments';
import type { JsonLogger } from '@cdp/observability';
import { allSettledOrThrow } from '@cdp/runtime';
import {
  Partitioners,
  type Admin,
  type Kafka,
  type Message,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import { eachCooperatively } from './cooperative-loop';
import type { SegmentDefinitionsRegistry } from './definitions/segment-definitions.registry';
import { parseInputMessage, subjectOf, type InputMessage } from './engine/input-message';
import { entryOnlyByEvents } from './engine/entry-by-events';
import { MinHeap, type HeapEntry } from './engine/min-heap';
import { partitionOf } from './engine/partitioner';
import { ProfileFilter } from './engine/profile-filter';
import { ProfileData } from './engine/profile-data';
import type { EngineOptions, NextMemo } from './engine/profile-run';
import {
  decodePartitionMeta,
  decodeProfileState,
  emptyPartitionMeta,
  encodePartitionMeta,
  encodeProfileState,
  PARTITION_META_KEY,
  type PartitionMeta,
  type ProfileState,
} from './engine/profile-state';
import { planReconciliation, sameTarget } from './engine/reconcile';
import { SegmentPlan, type DataNeeds } from './engine/segment-plan';
import { WorkUnit, type UnitResult } from './engine/work-unit';
import { loadStatePartition } from './kafka/state-loader';
import type { SegmenterMetrics } from './segmenter.metrics';
import type { SnapshotRepository } from './snapshot.repository';

/** A consumed message of the partition. */
export interface ConsumedMessage {
  offset: string;
  value: Buffer | null;
}

export interface WorkerDeps {
  kafka: Kafka;
  admin: Admin;
  eventsTopic: string;
  stateTopic: string;
  segmentEventsTopic: string;
  groupId: string;
  transactionalIdPrefix: string;
  transactionTimeoutMs: number;
  graceMs: number;
  backfillChunkSize: number;
  /** Most messages one events unit takes (chunks waiting are processed together up to this). */
  maxUnitMessages: number;
  /** Profiles whose history a partition keeps in memory (see `histories`). */
  historyProfiles: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Narrow initial-membership candidates with the SQL compiler where that is exact. */
  backfillSql: boolean;
  defaultExitOnArchive: boolean;
  lookbackCapMs: number | null;
  engine: EngineOptions;
  partitions: number;
  snapshots: SnapshotRepository;
  registry: SegmentDefinitionsRegistry;
  metrics: SegmenterMetrics;
  logger: JsonLogger;
  /** Wall clock (tests of the pure parts inject their own; the service uses Date.now). */
  now: () => number;
}

/** The partition's transaction failed: its in-memory state may differ from Kafka's; reload it. */
export class PartitionResetError extends Error {
  constructor(
    readonly partition: number,
    override readonly cause: unknown,
  ) {
    super(
      `partition ${partition}: transaction failed (${cause instanceof Error ? cause.message : String(cause)})`,
    );
    this.name = 'PartitionResetError';
  }
}

type WorkKind = 'events' | 'time' | 'definitions';

/** What a chunk read ahead of its turn. */
interface Prefetched {
  subjects: ReadonlySet<string>;
  reload: ReadonlySet<string>;
  loaded: ReadonlyMap<string, ProfileData>;
  floor: number;
}

/** A submitted chunk waiting for its events unit. */
interface BufferedChunk {
  parsed: { m: InputMessage; at: KafkaOrigin }[];
  /** The offset after the fetched batch when this chunk ends it (past trailing markers), else undefined. */
  end: bigint | undefined;
  plan: SegmentPlan;
  prefetch: Promise<Prefetched>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Several chunks read ahead: the later read of a profile is the fresher. */
function mergePrefetched(list: readonly Prefetched[]): Prefetched {
  const subjects = new Set<string>();
  const reload = new Set<string>();
  const loaded = new Map<string, ProfileData>();
  let floor = Number.POSITIVE_INFINITY;
  for (const p of list) {
    for (const id of p.subjects) subjects.add(id);
    for (const id of p.reload) reload.add(id);
    for (const [id, d] of p.loaded) loaded.set(id, d);
    floor = Math.min(floor, p.floor);
  }
  return { subjects, reload, loaded, floor };
}

/** Profiles whose next-change memo a partition keeps (about 0.5 KB each with 50 segments). */
const MEMO_PROFILES = 50_000;

const mergeNeeds = (a: DataNeeds, b: DataNeeds): DataNeeds => ({
  lookbackMs: a.lookbackMs === null || b.lookbackMs === null ? null : Math.max(a.lookbackMs, b.lookbackMs),
  eventNames:
    a.eventNames === null || b.eventNames === null
      ? null
      : [...new Set([...a.eventNames, ...b.eventNames])].sort(),
});

/**
 * Everything one instance does for one owned partition of `cdp.events`, strictly one unit of
 * work at a time (`enqueue`): consumed messages, scheduler rounds, definition changes.
 *
 * - Its transactional producer (`<prefix>-<events topic>-<partition>`) is created first: that
 *   fences a previous owner (zombie) and aborts its open transaction.
 * - Then the committed offset of the group and the partition's state (profiles, scheduled
 *   instants, applied segment versions) are read back from Kafka: the state topic partition
 *   of the same number holds exactly the profiles of this partition.
 * - Every unit of work is computed on copies, written in one transaction (segment events,
 *   changed states, commands, and the consumed offsets with `sendOffsets`), and only applied
 *   in memory after the commit. A failed transaction leaves memory possibly ahead of or behind
 *   Kafka (a commit whose answer was lost may have succeeded), so the worker is dropped and
 *   the partition reloaded from Kafka (`PartitionResetError`).
 */
export class PartitionWorker {
  readonly states = new Map<string, ProfileState>();
  /**
   * Histories of recently active profiles, kept up to date from the consumed events themselves
   * (least recently used dropped first): a profile is read from ClickHouse when it is not here
   * (first seen since the partition was loaded, or after a merge), never again after.
   */
  private readonly histories = new Map<string, { planKey: string; data: ProfileData }>();
  /**
   * The partition's profiles that have a history: in ClickHouse when the partition opened, or
   * consumed since. A profile not in it has none (ingest writes ClickHouse before it publishes
   * on cdp.events, and every event of a profile is on its partition), so its first event is
   * evaluated on an empty history without a ClickHouse read. Undefined: unknown (the read at
   * open failed), every profile not cached is read.
   */
  private known: ProfileFilter | undefined;
  /** Next-change memos of recently evaluated profiles (least recently used dropped first). */
  private readonly memos = new Map<string, NextMemo>();
  private readonly heap = new MinHeap();
  private meta: PartitionMeta = emptyPartitionMeta();
  private plan = new SegmentPlan({});
  private producer: Producer | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private reconciledGeneration = -1;
  /** The next offset of the events partition still to process (the committed offset, then our own commits). */
  nextOffset = 0n;
  /** Latest event time seen on the partition (the scheduler's stream clock). */
  private watermark = 0;
  /** Since when the partition has been read to its end and committed (undefined: it is not). */
  private idleSinceMs: number | undefined;
  /** The offset after the last fetch that reached the end of the partition (0n: nothing to process). */
  private endSeen: bigint | undefined;
  /** The offset after the last message submitted (pipelining: submitted chunks wait in the queue). */
  private submittedUpTo = 0n;
  private inFlight = 0;
  private readonly buffered: BufferedChunk[] = [];
  /**
   * The profiles of the submitted chunks not done yet (how many chunks each): a later chunk of
   * one of them finds its history cached (or read ahead with the earlier chunk) at its turn, so
   * it is not read ahead again.
   */
  private readonly pendingProfiles = new Map<string, number>();
  private eventsScheduled = false;
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(
    readonly partition: number,
    private readonly deps: WorkerDeps,
  ) {}

  static async open(deps: WorkerDeps, partition: number): Promise<PartitionWorker> {
    const w = new PartitionWorker(partition, deps);
    try {
      await w.init();
    } catch (e) {
      await w.close();
      throw e;
    }
    return w;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get scheduled(): number {
    return this.heap.size;
  }

  /** A fetch of the partition starts delivering (the partition is busy). */
  fetchStarted(): void {
    this.idleSinceMs = undefined;
    this.endSeen = undefined;
  }

  /**
   * A fetch ended: `atEnd` when nothing was left behind it in the partition (its last offset,
   * or nothing to process in it: transaction markers only). The partition turns idle once
   * everything up to there is committed.
   */
  fetchEnded(atEnd: boolean, lastOffset: string, empty: boolean): void {
    this.endSeen = !atEnd ? undefined : empty ? 0n : BigInt(lastOffset) + 1n;
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.endSeen !== undefined && this.inFlight === 0 && this.nextOffset >= this.endSeen) {
      this.idleSinceMs ??= this.deps.now();
    }
  }

  /**
   * How long the partition has been read up to its end without a new message (0 while it is
   * not): boundaries are evaluated on the wall clock only once it has been quiet for the grace
   * period, so that events dated before a boundary, still on their way, are consumed first.
   */
  idleFor(now: number): number {
    return this.idleSinceMs === undefined ? 0 : now - this.idleSinceMs;
  }

  /** Chunks submitted and not yet committed. */
  get pending(): number {
    return this.inFlight;
  }

  /** Resolves once fewer than `n` chunks are pending (or the worker closed). */
  async pendingBelow(n: number): Promise<void> {
    while (this.inFlight >= n && !this.closed) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The registry generation the partition has applied (-1 while a change is half applied). */
  get reconciledAt(): number {
    return this.meta.reconciling === null ? this.reconciledGeneration : -1;
  }

  /** Runs `work` after everything enqueued before it. */
  enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => {
      if (this.closed) throw new Error(`partition ${this.partition} is closed`);
      return work();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Lets the queued work finish (graceful shutdown), then closes. */
  async drain(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.close();
  }

  /** Stops taking work (queued work that has not started fails), waits for the running unit, releases the producer. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
      await this.chain.catch(() => undefined);
    }
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  /** The earliest scheduled instant (stale entries dropped), or undefined. */
  earliestScheduled(): number | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined) return undefined;
      if (this.states.get(top.key)?.next === top.at) return top.at;
      this.heap.pop();
    }
  }

  private async init(): Promise<void> {
    const d = this.deps;
    const started = Date.now();
    const producer = d.kafka.producer({
      transactionalId: `${d.transactionalIdPrefix}-${d.eventsTopic}-${this.partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: d.transactionTimeoutMs,
      createPartitioner: Partitioners.DefaultPartitioner,
      // the coordinator answers CONCURRENT_TRANSACTIONS while it writes the previous commit's
      // markers: retry within milliseconds, not kafkajs's default 300 ms (p90 300 ms -> 25 ms)
      retry: {
        initialRetryTime: 5,
        maxRetryTime: 1000,
        retries: Number.MAX_SAFE_INTEGER,
        factor: 0.2,
        multiplier: 1.5,
      },
    });
    this.producer = producer;
    await producer.connect();
    // kafkajs initialises the transactional id on the first transaction, not on connect: do it
    // now, before reading anything back. InitProducerId fences the previous owner (a zombie's
    // later requests fail) and completes or aborts its open transaction first, so the committed
    // offset and the state read below are final.
    await (await producer.transaction()).abort();

    const [committed] = await d.admin.fetchOffsets({ groupId: d.groupId, topics: [d.eventsTopic] });
    const offset = committed?.partitions.find((p) => p.partition === this.partition)?.offset ?? '-1';
    this.nextOffset = BigInt(offset) < 0n ? 0n : BigInt(offset);
    const ends = await d.admin.fetchTopicOffsets(d.eventsTopic);
    const end = ends.find((p) => p.partition === this.partition);
    this.submittedUpTo = this.nextOffset;
    if (end === undefined || BigInt(end.high) <= this.nextOffset) this.idleSinceMs = d.now();

    const values = await loadStatePartition(
      d.kafka,
      d.admin,
      d.stateTopic,
      this.partition,
      `${d.groupId}.state-loader.${this.partition}`,
      120000,
    );
    for (const [key, value] of values) {
      if (key === PARTITION_META_KEY) {
        this.meta = decodePartitionMeta(value) ?? emptyPartitionMeta();
        continue;
      }
      const state = decodeProfileState(value);
      if (state === undefined) {
        d.logger.warn(
          { msg: 'unreadable profile state ignored', partition: this.partition, key },
          'Segmenter',
        );
        continue;
      }
      this.states.set(key, state);
      if (state.next !== null) this.heap.push({ at: state.next, key });
    }
    this.plan = new SegmentPlan(this.meta.applied);
    // after the committed offset was read: every event before it is in ClickHouse by now
    this.known = await this.loadKnownProfiles();
    d.metrics.profilesInState.set({ partition: String(this.partition) }, this.states.size);
    d.logger.log(
      {
        msg: 'partition loaded',
        partition: this.partition,
        profiles: this.states.size,
        scheduled: this.heap.size,
        segments: Object.keys(this.meta.applied).length,
        committedOffset: this.nextOffset.toString(),
        withHistory: this.known?.size ?? null,
        ms: Date.now() - started,
      },
      'Segmenter',
    );
  }

  /**
   * The partition's profiles with a history in ClickHouse (see `known`); undefined when
   * ClickHouse cannot say now (the partition then reads every profile it has not cached).
   */
  private async loadKnownProfiles(): Promise<ProfileFilter | undefined> {
    const d = this.deps;
    try {
      const ids = await d.snapshots.profileIdsWithHistory();
      const known = new ProfileFilter(Math.max(1024, Math.ceil((2 * ids.length) / d.partitions)));
      for (const id of ids) if (partitionOf(id, d.partitions) === this.partition) known.add(id);
      for (const id of this.states.keys()) known.add(id);
      return known;
    } catch (e) {
      d.logger.warn(
        {
          msg: 'profiles with a history could not be read: every profile not cached is read from ClickHouse',
          partition: this.partition,
          err: e instanceof Error ? e.message : String(e),
        },
        'Segmenter',
      );
      return undefined;
    }
  }

  /** Applies definition changes if the registry moved since the last check (call inside `enqueue`). */
  async reconcile(): Promise<void> {
    const d = this.deps;
    for (;;) {
      const generation = d.registry.generation;
      if (generation === this.reconciledGeneration && this.meta.reconciling === null) return;
      await this.reconcileOnce();
      this.reconciledGeneration = generation;
    }
  }

  private async reconcileOnce(): Promise<void> {
    const d = this.deps;
    const started = Date.now();
    const rp = planReconciliation(this.meta.applied, d.registry.all(), d.defaultExitOnArchive, d.now());
    if (rp === undefined) {
      if (this.meta.reconciling !== null) {
        const meta: PartitionMeta = { applied: this.meta.applied, reconciling: null };
        await this.commit('definitions', emptyResult(), { meta });
        this.meta = meta;
      }
      return;
    }
    const resume =
      this.meta.reconciling !== null && sameTarget(this.meta.reconciling.target, rp.target)
        ? this.meta.reconciling.cursor
        : null;
    const newPlan = new SegmentPlan(rp.applied);
    const touched = [...rp.changedActive, ...rp.removed.map((r) => r.id)];
    const affected = newPlan.withDependents(touched);
    for (const s of this.plan.ordered) if (s.references.some((r) => touched.includes(r))) affected.add(s.id);
    const evaluate = new Set([...affected].filter((id) => newPlan.get(id) !== undefined));

    const candidates = new Set<string>();
    for (const [id, s] of this.states) {
      if (s.retiredInto !== null) continue;
      if (rp.changedActive.length > 0 || Object.keys(s.memberships).some((m) => affected.has(m)))
        candidates.add(id);
    }
    if (rp.changedActive.length > 0) {
      for (const id of await this.initialCandidates(newPlan, rp.changedActive, rp.at)) {
        if (partitionOf(id, d.partitions) === this.partition && this.states.get(id)?.retiredInto == null) {
          candidates.add(id);
        }
      }
    }
    const ordered = [...candidates].sort().filter((id) => resume === null || id > resume);
    const label = { partition: String(this.partition) };
    d.metrics.backfillTotal.set(label, ordered.length);
    d.metrics.backfillDone.set(label, 0);
    d.logger.log(
      {
        msg: 'applying segment changes',
        partition: this.partition,
        changed: rp.changedActive,
        removed: rp.removed.map((r) => r.id),
        dependents: [...evaluate].filter((id) => !rp.changedActive.includes(id)),
        profiles: ordered.length,
        resumedAfter: resume,
      },
      'Segmenter',
    );
    const needs = mergeNeeds(this.plan.dataNeeds(d.lookbackCapMs), newPlan.dataNeeds(d.lookbackCapMs));
    let done = 0;
    let transitions = 0;
    for (let i = 0; i < ordered.length || i === 0; i += d.backfillChunkSize) {
      const chunk = ordered.slice(i, i + d.backfillChunkSize);
      const last = i + d.backfillChunkSize >= ordered.length;
      const data =
        chunk.length > 0 ? await this.loadData(chunk, needs, rp.at) : new Map<string, ProfileData>();
      const evalStarted = process.hrtime.bigint();
      const unit = new WorkUnit(
        this.plan,
        this.states,
        (id) => data.get(id),
        d.engine,
        (id) => this.memos.get(id),
      );
      for (const id of chunk) unit.applyDefinitions(id, newPlan, rp.removed, evaluate, rp.at);
      const result = unit.finish();
      d.metrics.evaluationSeconds.observe(
        { kind: 'definitions' },
        Number(process.hrtime.bigint() - evalStarted) / 1e9,
      );
      const meta: PartitionMeta = last
        ? { applied: rp.applied, reconciling: null }
        : { applied: this.meta.applied, reconciling: { target: rp.target, cursor: chunk[chunk.length - 1] } };
      await this.commit('definitions', result, { meta });
      this.apply(result);
      this.meta = meta;
      done += chunk.length;
      transitions += result.transitions.length;
      d.metrics.backfillDone.set(label, done);
      if (!last && (i / d.backfillChunkSize) % 10 === 9) {
        d.logger.log(
          {
            msg: 'segment changes progress',
            partition: this.partition,
            done,
            total: ordered.length,
            transitions,
          },
          'Segmenter',
        );
      }
    }
    this.plan = newPlan;
    d.metrics.batchSeconds.observe({ kind: 'definitions' }, (Date.now() - started) / 1000);
    d.logger.log(
      {
        msg: 'segment changes applied',
        partition: this.partition,
        profiles: done,
        transitions,
        ms: Date.now() - started,
      },
      'Segmenter',
    );
  }

  /**
   * Profiles (all partitions) that may be members of the new or changed segments: when every
   * changed rule can only be entered through events (`entryOnlyByEvents`), its members now per
   * the SQL compiler (one query per segment); otherwise every profile in ClickHouse, so that a
   * profile entering later by time alone gets its instant scheduled. The current members are
   * candidates anyway (the caller adds the state's profiles).
   */
  private async initialCandidates(
    plan: SegmentPlan,
    changed: readonly string[],
    at: number,
  ): Promise<string[]> {
    const d = this.deps;
    const rules: Rule[] = [];
    for (const id of changed) {
      const rule = plan.get(id)?.rule;
      if (!d.backfillSql || rule === undefined || !entryOnlyByEvents(rule))
        return d.snapshots.allProfileIds();
      rules.push(rule);
    }
    const members = await Promise.all(rules.map((r) => d.snapshots.membersOf(r, at, d.engine.traitsConfig)));
    return [...new Set(members.flat())];
  }

  /**
   * Takes the next chunk of consumed messages (in order; messages below what was already
   * submitted are skipped) and returns when it is committed. Pipelined: its snapshots are
   * loaded at once, while earlier chunks are still being evaluated or committed; evaluation
   * and commit happen in the partition's queue, in order. ClickHouse failures are retried
   * until they succeed (or the worker closes); a failed transaction rejects with
   * PartitionResetError (the caller reloads the partition and seeks the consumer back).
   *
   * `batchEnd`, given with the last chunk of a fetched batch, is the offset after everything the
   * fetch returned, transaction markers and aborted records included: the commit goes up to it,
   * so a partition whose last records are a transaction's messages and its marker is committed
   * up to its end (no lag of 1 left behind the marker).
   */
  submitEvents(messages: readonly ConsumedMessage[], batchEnd?: string): Promise<void> {
    const fresh = messages.filter((m) => BigInt(m.offset) >= this.submittedUpTo);
    if (fresh.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error(`partition ${this.partition} is closed`));
    const d = this.deps;
    const afterLast = BigInt(fresh[fresh.length - 1].offset) + 1n;
    const end = batchEnd === undefined || BigInt(batchEnd) <= afterLast ? undefined : BigInt(batchEnd);
    this.submittedUpTo = end ?? afterLast;
    this.inFlight += 1;
    this.idleSinceMs = undefined;
    const parsed: { m: InputMessage; at: KafkaOrigin }[] = fresh.map((m) => ({
      m: parseInputMessage(m.value),
      at: { topic: d.eventsTopic, partition: this.partition, offset: m.offset },
    }));
    const plan = this.plan;
    // decided now, against the chunks submitted before this one
    const prefetch = this.prefetch(parsed, plan, true);
    prefetch.catch(() => undefined);
    const profiles = new Set<string>();
    for (const { m } of parsed) {
      const s = subjectOf(m);
      if (s !== undefined) profiles.add(s);
    }
    for (const id of profiles) this.pendingProfiles.set(id, (this.pendingProfiles.get(id) ?? 0) + 1);
    return new Promise<void>((resolve, reject) => {
      this.buffered.push({ parsed, end, plan, prefetch, resolve, reject });
      this.scheduleEvents();
    }).finally(() => {
      for (const id of profiles) {
        const n = (this.pendingProfiles.get(id) ?? 1) - 1;
        if (n > 0) this.pendingProfiles.set(id, n);
        else this.pendingProfiles.delete(id);
      }
      this.inFlight -= 1;
      for (const w of this.waiters.splice(0)) w();
      this.checkIdle();
    });
  }

  /**
   * Queues one events unit for whatever is buffered when its turn comes: under load the chunks
   * that arrived meanwhile are processed together (up to SEGMENTER_MAX_BATCH_SIZE messages):
   * one evaluation pass and one transaction for all of them.
   */
  private scheduleEvents(): void {
    if (this.eventsScheduled) return;
    this.eventsScheduled = true;
    void this.enqueue(async () => {
      this.eventsScheduled = false;
      const taken: BufferedChunk[] = [];
      let size = 0;
      while (this.buffered.length > 0) {
        const next = this.buffered[0];
        if (
          taken.length > 0 &&
          (size + next.parsed.length > this.deps.maxUnitMessages || next.plan !== taken[0].plan)
        ) {
          break;
        }
        taken.push(next);
        size += next.parsed.length;
        this.buffered.shift();
      }
      if (this.buffered.length > 0) this.scheduleEvents();
      if (taken.length === 0) return;
      try {
        await this.processEvents(
          taken.flatMap((c) => c.parsed),
          taken[0].plan,
          taken.map((c) => c.prefetch),
          taken[taken.length - 1].end,
        );
        for (const c of taken) c.resolve();
      } catch (e) {
        for (const c of taken) c.reject(e);
        if (this.closed || e instanceof PartitionResetError) {
          for (const c of this.buffered.splice(0)) c.reject(e);
        }
      }
    }).catch((e: unknown) => {
      for (const c of this.buffered.splice(0)) c.reject(e);
    });
  }

  /**
   * Reads from ClickHouse, ahead of the chunk's turn, the histories it needs that are not
   * cached now (and those of merged profiles, whose history changed in ClickHouse). With
   * `afterPending` (a chunk just submitted), not those of profiles in an earlier chunk still
   * on its way either: at this chunk's turn the earlier one has committed and left the history
   * in the cache, or is in the same unit with the history it read ahead (`resolve` reads what is
   * missing after all).
   */
  private async prefetch(
    parsed: readonly { m: InputMessage }[],
    plan: SegmentPlan,
    afterPending = false,
  ): Promise<Prefetched> {
    const subjects = new Set<string>();
    const reload = new Set<string>();
    let floor = Number.POSITIVE_INFINITY;
    for (const { m } of parsed) {
      const s = subjectOf(m);
      if (s !== undefined) {
        subjects.add(s);
        floor = Math.min(floor, this.states.get(s)?.clock ?? floor);
      }
      // a merge or an erasure changed the history in ClickHouse; an event without its facts
      // cannot extend a cached one
      if (m.kind === 'merge') reload.add(m.survivorId);
      if (m.kind === 'deleted' || m.kind === 'absorbed') reload.add(subjectOf(m) ?? '');
      if (m.kind === 'event' && m.facts === undefined) reload.add(m.profileId);
      if (m.kind !== 'ignored') floor = Math.min(floor, m.occurredAt);
    }
    const linking = parsed.flatMap(({ m }) => (m.kind === 'merge' && m.eventId !== '' ? [m.eventId] : []));
    const missing: string[] = [];
    const loaded = new Map<string, ProfileData>();
    for (const id of subjects) {
      if (reload.has(id)) missing.push(id);
      else if (this.history(id, plan, floor, false)) continue;
      else if (afterPending && this.pendingProfiles.has(id)) continue;
      // no history yet: nothing in ClickHouse to read (see `known`)
      else if (this.known !== undefined && !this.known.mightContain(id))
        loaded.set(id, ProfileData.empty(id));
      else missing.push(id);
    }
    for (const id of subjects) this.known?.add(id);
    if (loaded.size > 0) this.deps.metrics.snapshotsSkipped.inc(loaded.size);
    if (missing.length > 0) {
      const read = await this.retrying('load snapshots', () =>
        this.loadData(missing, plan.dataNeeds(this.deps.lookbackCapMs), floor, linking),
      );
      for (const [id, d] of read) loaded.set(id, d);
    }
    return { subjects, reload, loaded, floor };
  }

  /**
   * The histories of a chunk at its turn: a cached one when there is one (it holds every chunk
   * committed before), else the one read ahead (it holds everything up to this chunk), else read
   * now (evicted meanwhile); merged profiles always from ClickHouse.
   */
  private async resolve(p: Prefetched): Promise<{ data: Map<string, ProfileData>; floor: number }> {
    const data = new Map<string, ProfileData>();
    const missing: string[] = [];
    for (const id of p.subjects) {
      const d = p.reload.has(id)
        ? p.loaded.get(id)
        : (this.history(id, this.plan, p.floor) ?? p.loaded.get(id));
      if (d) data.set(id, d);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const more = await this.retrying('load snapshots', () =>
        this.loadData(missing, this.plan.dataNeeds(this.deps.lookbackCapMs), p.floor),
      );
      for (const [id, d] of more) data.set(id, d);
    }
    return { data, floor: p.floor };
  }

  /**
   * Adds to `data` the histories of the scheduled profiles it lacks: cached ones that reach back
   * far enough (from `floor`, or the profile's clock when earlier), the others read from
   * ClickHouse (from the earliest of those), `retry`ing failed reads in place when asked.
   */
  private async complete(
    data: Map<string, ProfileData>,
    due: readonly HeapEntry[],
    floor: number,
    retry: boolean,
  ): Promise<void> {
    const missing: string[] = [];
    let from = floor;
    for (const id of new Set(due.map((e) => e.key))) {
      if (data.has(id)) continue;
      const own = Math.min(floor, this.states.get(id)?.clock ?? floor);
      const known = this.history(id, this.plan, own);
      if (known) {
        data.set(id, known);
      } else {
        missing.push(id);
        from = Math.min(from, own);
      }
    }
    if (missing.length === 0) return;
    const load = () => this.loadData(missing, this.plan.dataNeeds(this.deps.lookbackCapMs), from);
    for (const [k, v] of await (retry ? this.retrying('load snapshots', load) : load())) data.set(k, v);
  }

  /**
   * A cached history that holds what evaluations from `floor` on read (same rules, loaded far
   * enough back); used: moves to the back of the LRU order.
   */
  private history(id: string, plan: SegmentPlan, floor: number, touch = true): ProfileData | undefined {
    const h = this.histories.get(id);
    if (h === undefined || h.planKey !== plan.key) return undefined;
    const lookback = plan.dataNeeds(this.deps.lookbackCapMs).lookbackMs;
    if (lookback !== null && Number.isFinite(floor) && floor - lookback - 86_400_000 < h.data.loadedFrom)
      return undefined;
    if (touch) {
      this.histories.delete(id);
      this.histories.set(id, h);
    }
    return h.data;
  }

  /** Keeps the histories a committed unit used (and forgets retired profiles). */
  private keepHistories(data: ReadonlyMap<string, ProfileData>): void {
    const planKey = this.plan.key;
    for (const [id, d] of data) {
      this.histories.delete(id);
      if (this.states.get(id)?.retiredInto == null) this.histories.set(id, { planKey, data: d });
    }
    for (const id of this.histories.keys()) {
      if (this.histories.size <= this.deps.historyProfiles) break;
      this.histories.delete(id);
    }
  }

  /** One chunk, in the queue: boundaries passed on the partition's event clock (minus the grace) go in the same transaction. */
  private async processEvents(
    parsed: readonly { m: InputMessage; at: KafkaOrigin }[],
    plan: SegmentPlan,
    prefetched: readonly Promise<Prefetched>[],
    end: bigint | undefined,
  ): Promise<void> {
    await this.retrying('apply definition changes', () => this.reconcile());
    const fresh = parsed.filter(({ at }) => BigInt(at.offset) >= this.nextOffset);
    if (fresh.length === 0) return;
    const d = this.deps;
    const started = Date.now();
    // definitions changed meanwhile: what was read ahead may miss events the new rules read
    const ahead =
      plan === this.plan
        ? mergePrefetched(await Promise.all(prefetched))
        : await this.prefetch(fresh, this.plan);
    const resolved = await this.resolve(ahead);
    const { data, floor } = resolved;
    let watermark = this.watermark;
    for (const { m } of fresh) {
      d.metrics.messages.inc({ kind: m.kind });
      if (m.kind === 'event') watermark = Math.max(watermark, m.occurredAt);
    }
    const bound = Math.min(watermark, d.now()) - d.graceMs;
    const due = this.popDue(bound, d.backfillChunkSize);
    try {
      await this.complete(data, due, floor, true);
      // the consumed events extend the histories (already there when read from ClickHouse)
      for (const { m } of fresh) {
        if (m.kind === 'event' && m.facts !== undefined) {
          data.get(m.profileId)?.absorb(m.facts.event, m.facts.traits, m.facts.identifiers);
        }
      }
      const unit = new WorkUnit(
        this.plan,
        this.states,
        (id) => data.get(id),
        d.engine,
        (id) => this.memos.get(id),
      );
      // evaluated in slices: the other partitions' transactions and reads go on meanwhile
      let evalSeconds = await eachCooperatively(fresh, ({ m, at }) => unit.apply(m, at));
      evalSeconds += await eachCooperatively(data.keys(), (id) => unit.catchUp([id], bound));
      const finishStarted = process.hrtime.bigint();
      const result = unit.finish();
      evalSeconds += Number(process.hrtime.bigint() - finishStarted) / 1e9;
      d.metrics.evaluationSeconds.observe({ kind: 'events' }, evalSeconds);
      if (result.retiredSkips > 0) d.metrics.messages.inc({ kind: 'retired' }, result.retiredSkips);
      const afterLast = BigInt(fresh[fresh.length - 1].at.offset) + 1n;
      const nextOffset = end !== undefined && end > afterLast ? end : afterLast;
      await this.commit('events', result, { offset: nextOffset });
      this.apply(result);
      this.keepHistories(data);
      this.restore(due);
      this.nextOffset = nextOffset;
      this.watermark = watermark;
      d.metrics.batchSize.observe(fresh.length);
      d.metrics.batchSeconds.observe({ kind: 'events' }, (Date.now() - started) / 1000);
    } catch (e) {
      this.restore(due);
      throw e;
    }
  }

  /** Runs `op` until it succeeds, with backoff, while the worker is open (ClickHouse outages). */
  private async retrying<T>(what: string, op: () => Promise<T>): Promise<T> {
    const d = this.deps;
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (e) {
        if (this.closed || e instanceof PartitionResetError) throw e;
        const delay = Math.min(d.retryBaseMs * 2 ** (attempt - 1), d.retryMaxMs);
        d.logger.warn(
          {
            msg: `${what} failed, retrying in ${delay} ms`,
            partition: this.partition,
            attempt,
            err: e instanceof Error ? e.message : String(e),
          },
          'Segmenter',
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** A scheduler round (call inside `enqueue`): boundaries up to now minus the grace. */
  async processDue(): Promise<number> {
    await this.reconcile();
    const d = this.deps;
    const bound = d.now() - d.graceMs;
    const due = this.popDue(bound, d.backfillChunkSize);
    if (due.length === 0) return 0;
    const started = Date.now();
    try {
      const ids = [...new Set(due.map((e) => e.key))];
      let floor = Number.POSITIVE_INFINITY;
      for (const id of ids) floor = Math.min(floor, this.states.get(id)?.clock ?? floor);
      const data = new Map<string, ProfileData>();
      await this.complete(data, due, floor, false);
      const unit = new WorkUnit(
        this.plan,
        this.states,
        (id) => data.get(id),
        d.engine,
        (id) => this.memos.get(id),
      );
      let evalSeconds = await eachCooperatively(ids, (id) => unit.catchUp([id], bound));
      const finishStarted = process.hrtime.bigint();
      const result = unit.finish();
      evalSeconds += Number(process.hrtime.bigint() - finishStarted) / 1e9;
      d.metrics.evaluationSeconds.observe({ kind: 'time' }, evalSeconds);
      d.logger.debug?.(
        {
          msg: 'time unit',
          partition: this.partition,
          snapshots: ids.map((id) => `${id}:${(data.get(id)?.events ?? []).map((e) => e.eventId).join(',')}`),
          due: due.map((e) => `${e.key}@${e.at}`),
          bound,
          transitions: result.transitions.map(
            (t) => `${t.profileId} ${t.type} ${t.segmentId} ${t.cause.kind}@${t.occurredAt}`,
          ),
        },
        'Segmenter',
      );
      await this.commit('time', result, {});
      this.apply(result);
      this.keepHistories(data);
      this.restore(due);
      d.metrics.batchSeconds.observe({ kind: 'time' }, (Date.now() - started) / 1000);
      return ids.length;
    } catch (e) {
      this.restore(due);
      throw e;
    }
  }

  /** Updates the scheduler gauges. */
  reportScheduler(): void {
    const label = { partition: String(this.partition) };
    this.deps.metrics.schedulerQueue.set(label, this.heap.size);
    const earliest = this.earliestScheduled();
    this.deps.metrics.schedulerOverdue.set(
      label,
      earliest === undefined ? 0 : Math.max(0, this.deps.now() - earliest),
    );
  }

  private popDue(bound: number, limit: number): HeapEntry[] {
    const out: HeapEntry[] = [];
    const seen = new Set<string>();
    while (out.length < limit) {
      const top = this.heap.peek();
      if (top === undefined || top.at > bound) break;
      this.heap.pop();
      if (this.states.get(top.key)?.next !== top.at || seen.has(top.key)) continue;
      seen.add(top.key);
      out.push(top);
    }
    return out;
  }

  /** Puts back scheduled entries taken for a unit (still valid ones only count later). */
  private restore(entries: readonly HeapEntry[]): void {
    for (const e of entries) {
      const next = this.states.get(e.key)?.next;
      if (next !== null && next !== undefined) this.heap.push({ at: next, key: e.key });
    }
  }

  private async loadData(
    ids: readonly string[],
    needs: DataNeeds,
    floor: number,
    alsoEventIds: readonly string[] = [],
  ): Promise<Map<string, ProfileData>> {
    const started = process.hrtime.bigint();
    const data = await this.deps.snapshots.load(
      ids,
      needs,
      Number.isFinite(floor) ? floor : this.deps.now(),
      alsoEventIds,
    );
    this.deps.metrics.snapshotSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return data;
  }

  private async commit(
    kind: WorkKind,
    result: UnitResult,
    extra: { offset?: bigint; meta?: PartitionMeta },
  ): Promise<void> {
    const d = this.deps;
    const producer = this.producer;
    if (producer === undefined || this.closed) throw new PartitionResetError(this.partition, 'closed');
    const emittedAt = d.now();
    const topicMessages: TopicMessages[] = [];
    if (result.transitions.length > 0) {
      topicMessages.push({
        topic: d.segmentEventsTopic,
        messages: result.transitions.map((t): Message => ({
          key: t.profileId,
          value: JSON.stringify(buildSegmentEvent({ ...t, emittedAt })),
          headers: { 'cdp-sequence': String(t.seq) },
        })),
      });
    }
    const stateMessages: Message[] = [];
    for (const [id, s] of result.states) {
      stateMessages.push({
        key: id,
        value: s === null ? null : encodeProfileState(s),
        partition: this.partition,
      });
    }
    if (extra.meta !== undefined) {
      stateMessages.push({
        key: PARTITION_META_KEY,
        value: encodePartitionMeta(extra.meta),
        partition: this.partition,
      });
    }
    if (stateMessages.length > 0) topicMessages.push({ topic: d.stateTopic, messages: stateMessages });
    if (result.commands.length > 0) {
      topicMessages.push({
        topic: d.eventsTopic,
        messages: result.commands.map((c) => ({ key: c.key, value: c.value })),
      });
    }
    if (topicMessages.length === 0 && extra.offset === undefined) return;
    const started = process.hrtime.bigint();
    let tx: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      tx = await producer.transaction();
      const t1 = process.hrtime.bigint();
      // the records and the offsets go at the same time (AddPartitionsToTxn + Produce alongside
      // AddOffsetsToTxn + TxnOffsetCommit); the commit below makes both visible, or neither
      const open = tx;
      const writes: Promise<unknown>[] = [];
      if (topicMessages.length > 0) writes.push(open.sendBatch({ acks: -1, topicMessages }));
      if (extra.offset !== undefined) {
        writes.push(
          sendOffsetsRetrying(open, {
            consumerGroupId: d.groupId,
            topics: [
              {
                topic: d.eventsTopic,
                partitions: [{ partition: this.partition, offset: extra.offset.toString() }],
              },
            ],
          }),
        );
      }
      await allSettledOrThrow(writes);
      const t3 = process.hrtime.bigint();
      await tx.commit();
      const t4 = process.hrtime.bigint();
      d.logger.debug?.(
        {
          msg: 'transaction',
          partition: this.partition,
          kind,
          messages: topicMessages.reduce((n, t) => n + t.messages.length, 0),
          beginMs: Number(t1 - started) / 1e6,
          sendAndOffsetsMs: Number(t3 - t1) / 1e6,
          commitMs: Number(t4 - t3) / 1e6,
        },
        'Segmenter',
      );
    } catch (e) {
      d.metrics.transactions.inc({ kind, outcome: 'failed' });
      if (tx?.isActive()) await tx.abort().catch(() => undefined);
      throw new PartitionResetError(this.partition, e);
    }
    d.metrics.commitSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    d.metrics.transactions.inc({ kind, outcome: 'committed' });
    for (const t of result.transitions) {
      d.metrics.transitions.inc({
        segment: t.segmentId,
        type: t.type === 'segment.entered' ? 'entered' : 'exited',
        cause: t.cause.kind,
      });
      if (t.cause.kind === 'time')
        d.metrics.timeTransitionDelay.observe(Math.max(0, emittedAt - t.occurredAt) / 1000);
    }
  }

  private apply(result: UnitResult): void {
    for (const [id, memo] of result.memos) {
      this.memos.delete(id);
      this.memos.set(id, memo);
    }
    for (const id of this.memos.keys()) {
      if (this.memos.size <= MEMO_PROFILES) break;
      this.memos.delete(id);
    }
    for (const [id, s] of result.states) {
      if (s === null) {
        this.states.delete(id);
        continue;
      }
      this.states.set(id, s);
      if (s.next !== null) this.heap.push({ at: s.next, key: id });
    }
    if (this.heap.size > 4 * (this.states.size + 64)) {
      this.heap.compact((e) => this.states.get(e.key)?.next === e.at);
    }
    this.deps.metrics.profilesInState.set({ partition: String(this.partition) }, this.states.size);
  }
}

/**
 * `sendOffsets`, retried while the coordinator answers CONCURRENT_TRANSACTIONS (it is still
 * writing the previous commit's markers): kafkajs retries that answer for AddPartitionsToTxn
 * but not for AddOffsetsToTxn.
 */
async function sendOffsetsRetrying(
  tx: Awaited<ReturnType<Producer['transaction']>>,
  offsets: Parameters<Awaited<ReturnType<Producer['transaction']>>['sendOffsets']>[0],
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await tx.sendOffsets(offsets);
      return;
    } catch (e) {
      const type = (e as { type?: unknown }).type;
      if (type !== 'CONCURRENT_TRANSACTIONS' || attempt >= 50) throw e;
      await new Promise((r) => setTimeout(r, Math.min(5 * attempt, 100)));
    }
  }
}

function emptyResult(): UnitResult {
  return { transitions: [], states: new Map(), commands: [], memos: new Map(), ignored: 0, retiredSkips: 0 };
}
