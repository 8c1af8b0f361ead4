import { asEpochMs, DEFAULT_TRAITS_CONFIG } from '@cdp/domain';
import { ProfileData, type LoadedEvent } from '../apps/segmenter/src/engine/profile-data';
import type { NextMemo } from '../apps/segmenter/src/engine/profile-run';
import type { AppliedSegment, ProfileState } from '../apps/segmenter/src/engine/profile-state';
import { SegmentPlan } from '../apps/segmenter/src/engine/segment-plan';
import { WorkUnit } from '../apps/segmenter/src/engine/work-unit';
import { benchmarkSegments, CATEGORIES } from './segments.catalog';

/**
 * `npm run bench:engine`: the segmenter's evaluation alone (no Kafka, no ClickHouse, one core),
 * the number behind the engine rounds of apps/segmenter/README.md. The 50 segments of
 * `bench:segments` over `BENCH_ENGINE_EVENTS` web events (60 000) in units of 500, as the
 * segmenter runs them: histories extended by each event's facts, states, memos and next
 * changes kept from unit to unit. The events come from profiles drawn from
 * `BENCH_ENGINE_PROFILES` (5 000; ~3 200 of them get events, ~18 each), or, with
 * `BENCH_ENGINE_NEW=1`, each from a profile never seen (the flash crowd). Progress every 10
 * units; the last line is one JSON object
 * `{"events":..,"profiles":..,"usPerEvent":..,"transitions":..,"heapUsedMb":..}`.
 */

const EVENTS = Number(process.env.BENCH_ENGINE_EVENTS ?? 60000);
const PROFILES = Number(process.env.BENCH_ENGINE_PROFILES ?? 5000);
const FRESH = process.env.BENCH_ENGINE_NEW === '1';
const UNIT = 500;

/** A deterministic generator (the same events every run). */
function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function main(): void {
  const since = Date.now() - 60000;
  const applied: Record<string, AppliedSegment> = {};
  for (const s of benchmarkSegments())
    applied[s.id] = { version: 1, status: 'active', since, exitOnArchive: true, rule: s.rule };
  const plan = new SegmentPlan(applied);
  const options = { traitsConfig: DEFAULT_TRAITS_CONFIG, maxCatchUpSteps: 1000 };
  const states = new Map<string, ProfileState>();
  const memos = new Map<string, NextMemo>();
  const histories = new Map<string, ProfileData>();
  const rnd = seeded(12345);
  const t0 = Date.now();
  let seq = 0;
  let transitions = 0;
  let evaluated = 0;
  const started = process.hrtime.bigint();
  let sliceStarted = started;
  let sliceFrom = 0;
  const units = Math.ceil(EVENTS / UNIT);
  console.log(
    `[bench] engine: ${EVENTS} events, ${FRESH ? 'every profile new' : `${PROFILES} returning profiles`}, ${Object.keys(applied).length} segments`,
  );
  for (let u = 0; u < units; u++) {
    const unit = new WorkUnit(
      plan,
      states,
      (id) => histories.get(id),
      options,
      (id) => memos.get(id),
    );
    for (let i = 0; i < UNIT && evaluated < EVENTS; i++, evaluated++) {
      const occurredAt = asEpochMs(Math.floor(t0 + seq * 0.2));
      const profileId = FRESH ? `p${seq}` : `p${Math.floor(rnd() * PROFILES)}`;
      const roll = rnd();
      const category = CATEGORIES[Math.floor(rnd() * CATEGORIES.length)];
      const name =
        roll < 0.35
          ? 'Page Viewed'
          : roll < 0.75
            ? 'Product Viewed'
            : roll < 0.9
              ? 'Product Added'
              : 'Order Completed';
      const eventId = `e${seq++}`;
      // built as the segmenter builds the events it consumes (input-message.ts factsOf)
      const event: LoadedEvent = {
        eventId,
        name,
        source: 'web',
        occurredAt,
        properties: { category },
        origin: null,
      };
      if (name === 'Order Completed') event.revenue = 20 + Math.floor(rnd() * 280);
      if (name === 'Page Viewed') event.context = { utmSource: 'google', utmMedium: 'cpc' };
      let history = histories.get(profileId);
      if (history === undefined) {
        history = ProfileData.empty(profileId);
        histories.set(profileId, history);
      }
      history.absorb(event, [], [{ kind: 'anonymousId', value: profileId, firstAt: occurredAt }]);
      unit.apply(
        { kind: 'event', profileId, eventId, occurredAt, origin: null },
        { topic: 'bench', partition: 0, offset: String(seq) },
      );
    }
    const result = unit.finish();
    transitions += result.transitions.length;
    for (const [id, state] of result.states) {
      if (state === null) states.delete(id);
      else states.set(id, state);
    }
    for (const [id, memo] of result.memos) memos.set(id, memo);
    if ((u + 1) % 10 === 0 || u + 1 === units) {
      const now = process.hrtime.bigint();
      console.log(
        `[bench] ${evaluated} events: ${(Number(now - sliceStarted) / 1e3 / (evaluated - sliceFrom)).toFixed(1)} us/event, ${histories.size} profiles, ${transitions} transitions`,
      );
      sliceFrom = evaluated;
      sliceStarted = now;
    }
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(
    JSON.stringify({
      events: EVENTS,
      profiles: histories.size,
      usPerEvent: Number(((ms * 1000) / EVENTS).toFixed(1)),
      transitions,
      heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e6),
    }),
  );
}

main();
