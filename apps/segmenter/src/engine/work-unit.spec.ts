import { DEFAULT_TRAITS_CONFIG, type KafkaOrigin, type Rule } from '@cdp/domain';
import type { InputMessage } from './input-message';
import { ProfileData, type LoadedEvent, type TraitUpdate } from './profile-data';
import type { EngineOptions, Transition } from './profile-run';
import type { AppliedSegment, ProfileState } from './profile-state';
import { SegmentPlan } from './segment-plan';
import { WorkUnit, type UnitResult } from './work-unit';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const options: EngineOptions = { traitsConfig: DEFAULT_TRAITS_CONFIG, maxCatchUpSteps: 1000 };
const AT: KafkaOrigin = { topic: 'cdp.events', partition: 0, offset: '7' };

const origin = (offset: number): KafkaOrigin => ({
  topic: 'cdp.raw.web',
  partition: 1,
  offset: String(offset),
});
const ev = (id: string, name: string, at: number, offset = 0): LoadedEvent =>
  ({
    eventId: id,
    name,
    source: 'web',
    occurredAt: at,
    properties: {},
    origin: origin(offset),
  }) as LoadedEvent;
const message = (profileId: string, e: LoadedEvent): InputMessage => ({
  kind: 'event',
  profileId,
  eventId: e.eventId,
  occurredAt: e.occurredAt,
  origin: e.origin,
});
const applied = (rule: Rule, version = 1, since = 0): AppliedSegment => ({
  version,
  status: 'active',
  since,
  exitOnArchive: true,
  rule,
});

const viewed: Rule = { event: 'Page Viewed', within: { days: 1 } };
const added: Rule = { event: 'Product Added', within: { days: 7 } };

/** A partition in memory: runs units like the worker does and applies their results. */
class Partition {
  readonly states = new Map<string, ProfileState>();
  readonly log: Transition[] = [];
  constructor(
    public plan: SegmentPlan,
    readonly data: Map<string, ProfileData>,
  ) {}

  unit(): WorkUnit {
    return new WorkUnit(this.plan, this.states, (id) => this.data.get(id), options);
  }

  apply(r: UnitResult): UnitResult {
    for (const [id, s] of r.states) {
      if (s === null) this.states.delete(id);
      else this.states.set(id, s);
    }
    this.log.push(...r.transitions);
    return r;
  }

  events(messages: InputMessage[], bound?: number): UnitResult {
    const u = this.unit();
    for (const m of messages) u.apply(m, AT);
    if (bound !== undefined)
      u.catchUp([...new Set(messages.map((m) => (m.kind === 'event' ? m.profileId : '')))], bound);
    return this.apply(u.finish());
  }

  tick(bound: number): UnitResult {
    const u = this.unit();
    u.catchUp([...this.states.keys()], bound);
    return this.apply(u.finish());
  }
}

const brief = (t: Transition): string =>
  `${t.profileId} ${t.type === 'segment.entered' ? '+' : '-'}${t.segmentId}@${(t.occurredAt - T0) / HOUR}h ${t.cause.kind}${t.cause.eventId ? `:${t.cause.eventId}` : ''}`;

describe('WorkUnit', () => {
  it('an event makes a profile enter: reason, cause with the raw coordinates, identities, next boundary scheduled', () => {
    const e1 = ev('e1', 'Page Viewed', T0, 41);
    const data = new Map([
      [
        'p1',
        new ProfileData(
          'p1',
          [e1],
          [{ trait: 'email', value: 'lin@example.com', at: T0, eventId: 'e1' }],
          [
            { kind: 'anonymousId', value: 'a-1', firstAt: T0 },
            { kind: 'userId', value: 'u-1', firstAt: T0 },
          ],
        ),
      ],
    ]);
    const part = new Partition(new SegmentPlan({ viewed: applied(viewed) }), data);
    const r = part.events([message('p1', e1)]);
    expect(r.transitions).toEqual([
      {
        segmentId: 'viewed',
        version: 1,
        profileId: 'p1',
        type: 'segment.entered',
        occurredAt: T0,
        cause: { kind: 'event', eventId: 'e1', kafka: origin(41) },
        reason: [{ condition: 'Page Viewed count within 1d >= 1', actual: 1, result: true }],
        identities: { userId: 'u-1', anonymousIds: ['a-1'], email: 'lin@example.com' },
        seq: 1,
      },
    ]);
    expect(part.states.get('p1')).toMatchObject({
      clock: T0,
      seq: 1,
      next: T0 + DAY,
      memberships: { viewed: { version: 1, enteredAt: T0 } },
    });
  });

  it('a passing window boundary exits at its exact instant with cause time, whenever the round runs', () => {
    const e1 = ev('e1', 'Page Viewed', T0);
    const part = new Partition(
      new SegmentPlan({ viewed: applied(viewed) }),
      new Map([['p1', new ProfileData('p1', [e1], [], [])]]),
    );
    part.events([message('p1', e1)]);
    expect(part.tick(T0 + DAY - 1).transitions).toEqual([]);
    const r = part.tick(T0 + 5 * DAY);
    expect(r.transitions.map(brief)).toEqual(['p1 -viewed@24h time']);
    expect(r.transitions[0].reason).toEqual([
      { condition: 'Page Viewed count within 1d >= 1', actual: 0, result: false },
    ]);
    expect(part.states.get('p1')).toMatchObject({ next: null, clock: T0 + DAY, seq: 2, memberships: {} });
  });

  it('boundaries before an event are evaluated first, at their instants; the sequence does not depend on batching', () => {
    const events = [
      ev('e1', 'Page Viewed', T0),
      ev('e2', 'Product Added', T0 + 2 * HOUR),
      ev('e3', 'Page Viewed', T0 + 2 * DAY),
      ev('e4', 'Page Viewed', T0 + 2 * DAY + HOUR),
      ev('e5', 'Product Added', T0 + 10 * DAY),
    ];
    const plan = new SegmentPlan({ viewed: applied(viewed), added: applied(added) });
    const data = new Map([['p1', new ProfileData('p1', events, [], [])]]);
    const messages = events.map((e) => message('p1', e));

    const whole = new Partition(plan, data);
    whole.events(messages);
    const oneByOne = new Partition(plan, data);
    for (const m of messages) oneByOne.events([m]);
    const withTicks = new Partition(plan, data);
    withTicks.events(messages.slice(0, 2));
    withTicks.tick(T0 + 3 * DAY); // the scheduler ran ahead of the next event: boundary at 24h
    withTicks.events(messages.slice(2));

    const expected = [
      'p1 +viewed@0h event:e1',
      'p1 +added@2h event:e2',
      'p1 -viewed@24h time',
      'p1 +viewed@48h event:e3',
      'p1 -viewed@73h time',
      'p1 -added@170h time',
      'p1 +added@240h event:e5',
    ];
    expect(whole.log.map(brief)).toEqual(expected);
    expect(oneByOne.log.map(brief)).toEqual(expected);
    expect(withTicks.log.map(brief)).toEqual(expected);
    expect(whole.log.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a boundary only sees the history consumed so far, not what ClickHouse already holds', () => {
    const v5 = ev('v5', 'Page Viewed', T0);
    const v6 = ev('v6', 'Page Viewed', T0 + 60_000);
    const plan = new SegmentPlan({
      twice: applied({ event: 'Page Viewed', within: { days: 30 }, count: { gte: 2 } }),
      lapsed: applied({ event: 'Page Viewed', lastSeen: { olderThan: { hours: 1 } } }),
    });
    const part = new Partition(plan, new Map([['p1', new ProfileData('p1', [v5, v6], [], [])]]));
    part.events([message('p1', v5)]);
    part.tick(T0 + 2 * HOUR); // v6 is in ClickHouse but still on its way
    part.events([message('p1', v6)]);
    part.tick(T0 + 3 * HOUR);
    expect(part.log.map(brief)).toEqual([
      'p1 +lapsed@1h time',
      'p1 -lapsed@1h event:v6',
      'p1 +twice@1h event:v6',
      'p1 +lapsed@1.0166666666666666h time',
    ]);
  });

  it('never evaluates back in time: an event dated before the clock is evaluated at the clock', () => {
    const late = ev('late', 'Page Viewed', T0 + HOUR);
    const first = ev('first', 'Product Added', T0 + 5 * HOUR);
    const part = new Partition(
      new SegmentPlan({ viewed: applied(viewed) }),
      new Map([['p1', new ProfileData('p1', [late, first], [], [])]]),
    );
    part.events([message('p1', first)]);
    // the view (dated 1h) is in ClickHouse already but only counts once it arrives: at 5h it is
    // within the day, so it enters, dated at the clock
    expect(part.log.map(brief)).toEqual(['p1 +viewed@5h event:first']);
    part.events([message('p1', late)]);
    expect(part.log.map(brief)).toEqual(['p1 +viewed@5h event:first']);
  });

  it('merge: the survivor is evaluated with cause merge, and the absorbed profile is retired through a command', () => {
    const a1 = ev('a1', 'Page Viewed', T0, 3);
    const link = ev('link', 'Product Added', T0 + HOUR, 9);
    const data = new Map([
      ['pA', new ProfileData('pA', [a1], [], [])],
      ['pS', new ProfileData('pS', [a1, link], [], [])],
    ]);
    const part = new Partition(new SegmentPlan({ viewed: applied(viewed), added: applied(added) }), data);
    part.events([message('pA', a1)]);
    expect(part.log.map(brief)).toEqual(['pA +viewed@0h event:a1']);

    const r = part.events([
      { kind: 'merge', absorbedId: 'pA', survivorId: 'pS', eventId: 'link', occurredAt: T0 + HOUR },
    ]);
    expect(r.transitions.map(brief)).toEqual(['pS +added@1h merge:link', 'pS +viewed@1h merge:link']);
    expect(r.transitions[0].cause.kafka).toEqual(origin(9));
    expect(r.commands).toEqual([
      {
        key: 'pA',
        value: JSON.stringify({
          type: 'segmenter.profile-absorbed',
          absorbedId: 'pA',
          survivorId: 'pS',
          eventId: 'link',
          occurredAt: T0 + HOUR,
          kafka: origin(9),
        }),
      },
    ]);
    const retired = part.events([
      {
        kind: 'absorbed',
        absorbedId: 'pA',
        survivorId: 'pS',
        eventId: 'link',
        occurredAt: T0 + HOUR,
        origin: origin(9),
      },
    ]);
    expect(retired.transitions.map(brief)).toEqual(['pA -viewed@1h merge:link']);
    expect(retired.transitions[0].reason).toEqual([
      { condition: 'profile merged into pS', actual: 'pS', result: false },
    ]);
    expect(part.states.get('pA')).toMatchObject({ retiredInto: 'pS', next: null, memberships: {} });
    // later events of the retired id (in flight before the merge) are skipped; duplicates of the command too
    const again = part.events([message('pA', ev('a2', 'Page Viewed', T0 + 2 * HOUR))]);
    expect(again.transitions).toEqual([]);
    expect(again.retiredSkips).toBe(1);
  });

  it('a new segment: only its own entries (cause definition), even when other segments would flip', () => {
    const e1 = ev('e1', 'Page Viewed', T0);
    const data = new Map([
      ['p1', new ProfileData('p1', [e1, ev('e2', 'Page Viewed', T0 + 3 * DAY)], [], [])],
    ]);
    const part = new Partition(new SegmentPlan({ viewed: applied(viewed) }), data);
    part.events([message('p1', e1)]);
    const next = {
      viewed: applied(viewed),
      added: applied(added),
      ever: applied({ event: 'Page Viewed' }, 1, T0 + HOUR),
    };
    const newPlan = new SegmentPlan(next);
    const u = part.unit();
    u.applyDefinitions('p1', newPlan, [], new Set(['ever', 'added']), T0 + HOUR);
    const r = part.apply(u.finish());
    expect(r.transitions.map(brief)).toEqual(['p1 +ever@1h definition']);
    expect(r.transitions[0].cause).toEqual({ kind: 'definition', eventId: null, kafka: null });
    // the view of day 3 (in ClickHouse, not yet consumed) did not count: 'viewed' was not evaluated
    expect(part.states.get('p1')?.memberships).toEqual({
      viewed: { version: 1, enteredAt: T0 },
      ever: { version: 1, enteredAt: T0 + HOUR },
    });
  });

  it('an edit emits only the differences, with the new version; archiving exits (or forgets) the members', () => {
    const data = new Map([
      ['p1', new ProfileData('p1', [ev('v1', 'Page Viewed', T0), ev('v2', 'Page Viewed', T0)], [], [])],
      ['p2', new ProfileData('p2', [ev('v3', 'Page Viewed', T0)], [], [])],
    ]);
    const part = new Partition(new SegmentPlan({ viewed: applied(viewed) }), data);
    part.events([message('p1', data.get('p1')!.events[1]), message('p2', data.get('p2')!.events[0])]);
    expect(part.log.map(brief)).toEqual(['p1 +viewed@0h event:v2', 'p2 +viewed@0h event:v3']);

    const v2 = new SegmentPlan({
      viewed: applied({ event: 'Page Viewed', within: { days: 1 }, count: { gte: 2 } }, 2, T0 + HOUR),
    });
    const u = part.unit();
    for (const id of ['p1', 'p2']) u.applyDefinitions(id, v2, [], new Set(['viewed']), T0 + HOUR);
    const edit = part.apply(u.finish());
    expect(edit.transitions.map(brief)).toEqual(['p2 -viewed@1h definition']);
    expect(edit.transitions[0].version).toBe(2);
    expect(part.states.get('p1')?.memberships.viewed).toEqual({ version: 2, enteredAt: T0 });

    const archived = new SegmentPlan({});
    const a = part.unit();
    a.applyDefinitions(
      'p1',
      archived,
      [{ id: 'viewed', exit: true, version: 2, status: 'archived' }],
      new Set(),
      T0 + 2 * HOUR,
    );
    const exits = part.apply(a.finish());
    expect(exits.transitions.map(brief)).toEqual(['p1 -viewed@2h definition']);
    expect(exits.transitions[0].reason).toEqual([
      { condition: 'segment "viewed" status archived', actual: 'archived', result: false },
    ]);

    const quiet = new Partition(new SegmentPlan({ viewed: applied(viewed) }), data);
    quiet.events([message('p2', data.get('p2')!.events[0])]);
    const f = quiet.unit();
    f.applyDefinitions(
      'p2',
      archived,
      [{ id: 'viewed', exit: false, version: 1, status: 'archived' }],
      new Set(),
      T0 + HOUR,
    );
    expect(quiet.apply(f.finish()).transitions).toEqual([]);
    expect(quiet.states.get('p2')?.memberships).toEqual({});
  });

  it('inSegment cascades within one evaluation (referenced segments first)', () => {
    const e1 = ev('e1', 'Page Viewed', T0);
    const plan = new SegmentPlan({
      'a-child': applied({ all: [{ inSegment: 'z-parent' }, { trait: 'vip', op: 'eq', value: true }] }),
      'z-parent': applied(viewed),
    });
    const traits: TraitUpdate[] = [{ trait: 'vip', value: true, at: T0 - 1, eventId: 'x' }];
    const part = new Partition(plan, new Map([['p1', new ProfileData('p1', [e1], traits, [])]]));
    part.events([message('p1', e1)]);
    part.tick(T0 + 2 * DAY);
    expect(part.log.map(brief)).toEqual([
      'p1 +z-parent@0h event:e1',
      'p1 +a-child@0h event:e1',
      'p1 -z-parent@24h time',
      'p1 -a-child@24h time',
    ]);
  });

  it('an event dated before a segment version took effect counts from that instant', () => {
    const e1 = ev('e1', 'Page Viewed', T0);
    const part = new Partition(
      new SegmentPlan({ viewed: applied(viewed, 1, T0 + HOUR) }),
      new Map([['p1', new ProfileData('p1', [e1], [], [])]]),
    );
    part.events([message('p1', e1)]);
    expect(part.log.map(brief)).toEqual(['p1 +viewed@1h event:e1']);
  });

  it('boundaries before a version took effect are dated exactly and skip the segments not yet in effect', () => {
    const e1 = ev('e1', 'Page Viewed', T0);
    const plan = new SegmentPlan({ viewed: applied(viewed), later: applied(added, 1, T0 + 2 * DAY) });
    const part = new Partition(
      new SegmentPlan({ viewed: applied(viewed) }),
      new Map([['p1', new ProfileData('p1', [e1], [], [])]]),
    );
    part.events([message('p1', e1)]);
    part.plan = plan;
    part.tick(T0 + 3 * DAY);
    expect(part.log.map(brief)).toEqual(['p1 +viewed@0h event:e1', 'p1 -viewed@24h time']);
  });

  it('erasure exits everything with cause deletion', () => {
    const e1 = ev('e1', 'Page Viewed', T0);
    const part = new Partition(
      new SegmentPlan({ viewed: applied(viewed) }),
      new Map([['p1', new ProfileData('p1', [e1], [], [])]]),
    );
    part.events([message('p1', e1)]);
    const r = part.events([{ kind: 'deleted', profileId: 'p1', eventId: 'gdpr-1', occurredAt: T0 + HOUR }]);
    expect(r.transitions.map(brief)).toEqual(['p1 -viewed@1h deletion:gdpr-1']);
    expect(part.states.get('p1')?.retiredInto).toBe('');
  });
});

describe('WorkUnit with next-change memos', () => {
  it('gives exactly the transitions and states of a run evaluating every segment every time (random streams)', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const names = ['Page Viewed', 'Product Viewed', 'Product Added', 'Order Completed'];
    const plan = new SegmentPlan({
      viewed: applied(viewed),
      added: applied(added),
      views3: applied({ event: 'Product Viewed', within: { hours: 6 }, count: { gte: 3 } }),
      quiet: applied({
        all: [
          { event: 'Page Viewed', within: { days: 2 } },
          { not: { event: 'Product Added', within: { hours: 3 } } },
        ],
      }),
      country: applied({
        all: [
          { trait: 'country', op: 'eq', value: 'CN' },
          { event: 'Order Completed', within: { days: 1 } },
        ],
      }),
      loyal: applied({ trait: 'lifecycleStage', op: 'eq', value: 'active' }),
      nested: applied({ all: [{ inSegment: 'viewed' }, { event: 'Product Added', within: { hours: 12 } }] }),
      // per-category segments: a product event of another category leaves them untouched
      shoes: applied({
        event: 'Product Viewed',
        where: [{ property: 'category', op: 'eq', value: 'shoes' }],
        within: { hours: 8 },
        count: { gte: 2 },
      }),
      cn: applied({ trait: 'country', op: 'eq', value: 'CN' }),
      // true on an empty history: a new profile enters it on its first event (unless an order)
      noOrders: applied({ not: { event: 'Order Completed', within: { hours: 10 } } }),
      hats: applied({
        any: [
          {
            event: 'Product Added',
            where: [{ property: 'category', op: 'eq', value: 'hats' }],
            within: { hours: 4 },
          },
          {
            event: 'Product Viewed',
            where: [{ property: 'category', op: 'eq', value: 'hats' }],
            count: { gte: 3 },
          },
        ],
      }),
    });
    for (let round = 0; round < 20; round++) {
      const profiles = ['p1', 'p2', 'p3'];
      const events = new Map<string, LoadedEvent[]>(profiles.map((p) => [p, []]));
      const traits = new Map<string, TraitUpdate[]>(profiles.map((p) => [p, []]));
      const messages: InputMessage[] = [];
      let t = T0;
      for (let i = 0; i < 60; i++) {
        t += Math.floor(rnd() * 5 * HOUR);
        const who = profiles[Math.floor(rnd() * profiles.length)];
        const e = ev(`e${round}-${i}`, names[Math.floor(rnd() * names.length)], t, i);
        if (e.name === 'Order Completed') e.revenue = 10;
        if (e.name.startsWith('Product')) e.properties = { category: rnd() < 0.5 ? 'shoes' : 'hats' };
        events.get(who)!.push(e);
        if (rnd() < 0.1)
          traits
            .get(who)!
            .push({ trait: 'country', value: rnd() < 0.5 ? 'CN' : 'SG', at: t, eventId: e.eventId });
        messages.push(message(who, e));
      }
      const data = new Map(profiles.map((p) => [p, new ProfileData(p, events.get(p)!, traits.get(p)!, [])]));
      const run = (useMemos: boolean): { log: string[]; states: string } => {
        const states = new Map<string, ProfileState>();
        let memos = new Map<string, import('./profile-run').NextMemo>();
        const log: string[] = [];
        for (let i = 0; i < messages.length;) {
          const n = 1 + Math.floor(((i * 7919) % 13) / 3);
          const u = new WorkUnit(
            plan,
            states,
            (id) => data.get(id),
            useMemos ? options : { ...options, skipUnchanged: false },
            useMemos ? (id) => memos.get(id) : undefined,
          );
          for (const m of messages.slice(i, i + n)) u.apply(m, AT);
          // a scheduler round now and then, a little ahead of the last event
          const first = messages[i];
          if (i % 3 === 0 && first.kind === 'event') u.catchUp(profiles, first.occurredAt + HOUR);
          const r = u.finish();
          for (const [id, s] of r.states) if (s) states.set(id, s);
          memos = new Map([...memos, ...r.memos]);
          log.push(...r.transitions.map((x) => `${brief(x)} ${x.seq}`));
          i += n;
        }
        return { log, states: JSON.stringify([...states.entries()].sort()) };
      };
      const plain = run(false);
      const memoized = run(true);
      expect(memoized.log).toEqual(plain.log);
      expect(memoized.states).toEqual(plain.states);
      expect(plain.log.length).toBeGreaterThan(5);
    }
  });
});
