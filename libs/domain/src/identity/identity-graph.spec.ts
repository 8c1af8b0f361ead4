import type { ProfileId } from '../brand';
import type { Identifier, IdentifierKind } from '../events/canonical-event';
import { IdentityGraph, type ApplyOutcome } from './identity-graph';
import { linkFactsOf, type LinkFact } from './link-fact';
import { profileIdForComponent, profileIdForKey } from './profile-id';

const id = (kind: IdentifierKind, value: string): Identifier => ({ kind, value, key: `${kind}:${value}` });
const user = (v: string) => id('userId', v);
const anon = (v: string) => id('anonymousId', v);
const email = (v: string) => id('email', v);
const customer = (v: string) => id('customerId', v);
const pid = (i: Identifier): ProfileId => profileIdForKey(i.key);
const pidOf = (...ids: Identifier[]): ProfileId => profileIdForComponent(ids.map((i) => i.key));

let sequence = 0;
function fact(...identifiers: Identifier[]): LinkFact {
  sequence += 1;
  const made = linkFactsOf(identifiers, `e-${sequence}`, sequence);
  if (made === undefined) throw new Error('a test fact needs two identifiers');
  return made;
}

/** The partition of a graph over `keys`: sorted lists of sorted keys, plus each key's profile. */
function snapshot(graph: IdentityGraph, keys: Iterable<string>): { components: string[][]; ids: string[] } {
  const byProfile = new Map<string, string[]>();
  const ids: string[] = [];
  for (const key of [...new Set(keys)].sort()) {
    const profile = graph.profileOf(key) ?? profileIdForKey(key);
    ids.push(`${key}=${profile}`);
    byProfile.set(profile, [...(byProfile.get(profile) ?? []), key]);
  }
  return { components: [...byProfile.values()].map((c) => c.sort()).sort(), ids };
}

describe('IdentityGraph: linking', () => {
  it('merges an anonymous visitor into the identified user under the smaller id', () => {
    const graph = new IdentityGraph();
    const f = fact(anon('a-77'), user('u-1001'));
    const outcome = graph.apply(f);

    const survivor = pidOf(anon('a-77'), user('u-1001'));
    const absorbed = survivor === pid(anon('a-77')) ? pid(user('u-1001')) : pid(anon('a-77'));
    expect(outcome).toEqual({
      profileId: survivor,
      merges: [{ absorbed, survivor, via: f.eventId }],
      conflicts: [],
    });
    expect(graph.profileOf('anonymousId:a-77')).toBe(survivor);
    expect(graph.profileOf('userId:u-1001')).toBe(survivor);
    expect(graph.identifiersOf(survivor)).toEqual([anon('a-77'), user('u-1001')]);
    expect(graph.userIdOf(survivor)).toBe('u-1001');
    expect(graph.survivorOf(absorbed)).toBe(survivor);
    expect(graph.survivorOf(survivor)).toBe(survivor);
    expect(graph.size).toEqual({ identifiers: 2, profiles: 1, merges: 1, conflicts: 0 });
  });

  it('reports one merge per absorbed component, all into the one survivor, sorted by absorbed id', () => {
    const graph = new IdentityGraph();
    const a = [anon('a1'), anon('a2')];
    const b = [email('b@x.com'), customer('c-1')];
    const c = [anon('c1'), id('clickId', 'gclid-1')];
    graph.apply(fact(...a));
    graph.apply(fact(...b));
    graph.apply(fact(...c));
    const ids = [pidOf(...a), pidOf(...b), pidOf(...c)].sort();

    const joining = fact(a[1], b[0], c[0], user('u-9'));
    const outcome = graph.apply(joining);
    const survivor = pidOf(...a, ...b, ...c, user('u-9'));
    const absorbed = [...ids, pid(user('u-9'))].filter((p) => p !== survivor).sort();

    expect(outcome.merges).toEqual(absorbed.map((p) => ({ absorbed: p, survivor, via: joining.eventId })));
    expect(outcome.merges).toHaveLength(3);
    expect(outcome.profileId).toBe(survivor);
    expect(graph.size.profiles).toBe(1);
    expect(graph.identifiersOf(survivor).map((i) => i.key)).toEqual(
      [...a, ...b, ...c, user('u-9')].map((i) => i.key).sort(),
    );
  });

  it('follows absorbed -> survivor chains to the current profile', () => {
    const graph = new IdentityGraph();
    const history: ProfileId[] = [];
    // A chain of 40 anonymous ids, linked pairwise from the far end, so the profile id keeps changing.
    const chain = Array.from({ length: 40 }, (_, i) => anon(`chain-${i}`));
    for (let i = chain.length - 1; i > 0; i--) {
      const outcome = graph.apply(fact(chain[i - 1], chain[i]));
      history.push(outcome.profileId, ...outcome.merges.map((m) => m.absorbed));
    }
    const final = pidOf(...chain);
    expect(graph.size.profiles).toBe(1);
    for (const old of history) expect(graph.survivorOf(old)).toBe(final);
    for (const i of chain) {
      expect(graph.survivorOf(pid(i))).toBe(final);
      expect(graph.identifiersOf(pid(i))).toHaveLength(40);
    }

    // A consumer that only sees the merge events reaches the same profile.
    const mergedInto = new Map<string, string>();
    const replay = new IdentityGraph();
    for (let i = chain.length - 1; i > 0; i--) {
      for (const m of replay.apply(fact(chain[i - 1], chain[i])).merges)
        mergedInto.set(m.absorbed, m.survivor);
    }
    const follow = (p: string): string => (mergedInto.has(p) ? follow(mergedInto.get(p) ?? p) : p);
    for (const i of chain) expect(follow(pid(i))).toBe(final);
  });

  it('is idempotent: re-applying a fact reports no merge again', () => {
    const graph = new IdentityGraph();
    const f = fact(anon('a'), user('u'), email('u@x.com'));
    const first = graph.apply(f);
    expect(first.merges).toHaveLength(2);
    const again = graph.apply(f);
    expect(again).toEqual({ profileId: first.profileId, merges: [], conflicts: [] });
    expect(graph.apply({ ...f, eventId: 'other', identifiers: [...f.identifiers].reverse() }).merges).toEqual(
      [],
    );
    expect(graph.size).toEqual({ identifiers: 3, profiles: 1, merges: 2, conflicts: 0 });
  });

  it('treats duplicate identifiers within a fact as one', () => {
    const graph = new IdentityGraph();
    const outcome = graph.apply({
      eventId: 'd',
      occurredAt: 0,
      identifiers: [anon('a'), anon('a'), user('u')],
    });
    expect(outcome.merges).toHaveLength(1);
    expect(graph.size.identifiers).toBe(2);
  });
});

describe('IdentityGraph: lookups', () => {
  it('resolves identifiers never seen to their own component without changing the graph', () => {
    const graph = new IdentityGraph();
    expect(graph.resolve([anon('new')])).toBe(pid(anon('new')));
    expect(graph.resolve([anon('x'), anon('y')])).toBe(pidOf(anon('x'), anon('y')));
    expect(graph.size).toEqual({ identifiers: 0, profiles: 0, merges: 0, conflicts: 0 });
    expect(graph.profileOf('anonymousId:new')).toBeUndefined();
    expect(graph.identifiersOf(pid(anon('new')))).toEqual([]);
    expect(graph.survivorOf(pid(anon('new')))).toBe(pid(anon('new')));
    expect(graph.userIdOf(pid(anon('new')))).toBeUndefined();
  });

  it('resolves an event to the profile its fact was applied to, and an unlinked one to the union', () => {
    const graph = new IdentityGraph();
    graph.apply(fact(anon('a'), user('u')));
    graph.apply(fact(anon('b'), email('b@x.com')));
    expect(graph.resolve([anon('a')])).toBe(pidOf(anon('a'), user('u')));
    expect(graph.resolve([user('u'), anon('a')])).toBe(pidOf(anon('a'), user('u')));
    // Not linked yet: the profile their components would form.
    expect(graph.resolve([anon('a'), anon('b'), anon('c')])).toBe(
      pidOf(anon('a'), user('u'), anon('b'), email('b@x.com'), anon('c')),
    );
    expect(graph.size.profiles).toBe(2);
  });

  it('refuses to resolve no identifiers', () => {
    expect(() => new IdentityGraph().resolve([])).toThrow('at least one identifier');
  });

  it('does not know ids that are not profile ids', () => {
    const graph = new IdentityGraph();
    graph.apply(fact(anon('a'), user('u')));
    expect(graph.survivorOf('p-nothex' as ProfileId)).toBe('p-nothex');
    expect(graph.identifiersOf('u' as ProfileId)).toEqual([]);
  });
});

describe('IdentityGraph: at most one userId per profile', () => {
  it('leaves a shared device with its first user and records the conflict', () => {
    const graph = new IdentityGraph();
    graph.apply(fact(anon('device'), user('u1')));
    const f = fact(anon('device'), user('u2'));
    const outcome = graph.apply(f);

    expect(outcome.conflicts).toEqual([
      {
        reason: 'multiple_user_ids',
        userIds: ['u1', 'u2'],
        eventId: f.eventId,
        setAsideKeys: ['anonymousId:device'],
      },
    ]);
    expect(outcome.merges).toEqual([]);
    expect(outcome.profileId).toBe(pid(user('u2')));
    expect(graph.profileOf('anonymousId:device')).toBe(pidOf(anon('device'), user('u1')));
    expect(graph.profileOf('userId:u2')).toBe(pid(user('u2')));
    expect(graph.resolve(f.identifiers)).toBe(pid(user('u2')));
    expect(graph.size).toEqual({ identifiers: 3, profiles: 2, merges: 1, conflicts: 1 });
  });

  it('still links the new identifiers of a conflicting message to its userId', () => {
    const graph = new IdentityGraph();
    graph.apply(fact(anon('device'), user('u1')));
    const outcome = graph.apply(fact(anon('device'), user('u2'), email('two@x.com')));
    expect(outcome.conflicts).toHaveLength(1);
    expect(outcome.profileId).toBe(pidOf(user('u2'), email('two@x.com')));
    expect(graph.identifiersOf(outcome.profileId)).toEqual([email('two@x.com'), user('u2')]);
    expect(graph.userIdOf(graph.profileOf('anonymousId:device') ?? pid(anon('x')))).toBe('u1');
  });

  it('sets aside the userIds of a message that names two, and links the rest', () => {
    const graph = new IdentityGraph();
    const f = fact(user('u1'), user('u2'), anon('a'), anon('b'));
    const outcome = graph.apply(f);
    expect(outcome.conflicts).toEqual([
      {
        reason: 'multiple_user_ids',
        userIds: ['u1', 'u2'],
        eventId: f.eventId,
        setAsideKeys: ['userId:u1', 'userId:u2'],
      },
    ]);
    expect(graph.profileOf('anonymousId:a')).toBe(pidOf(anon('a'), anon('b')));
    expect(graph.profileOf('userId:u1')).toBe(pid(user('u1')));
    expect(graph.profileOf('userId:u2')).toBe(pid(user('u2')));
    expect(graph.size.profiles).toBe(3);
  });

  it('files a message naming only two userIds under the smaller key, linking nothing', () => {
    const graph = new IdentityGraph();
    const outcome = graph.apply(fact(user('u2'), user('u1')));
    expect(outcome.merges).toEqual([]);
    expect(outcome.conflicts).toHaveLength(1);
    expect(outcome.profileId).toBe(pid(user('u1')));
    expect(graph.size.profiles).toBe(2);
  });

  it('without a userId of its own, sets aside the weakest identifiers of other users first', () => {
    const graph = new IdentityGraph();
    graph.apply(fact(customer('c-1'), user('u1')));
    graph.apply(fact(email('e@x.com'), user('u2')));
    const f = fact(customer('c-1'), email('e@x.com'), anon('fresh'));
    const outcome = graph.apply(f);
    expect(outcome.conflicts).toEqual([
      {
        reason: 'multiple_user_ids',
        userIds: ['u1', 'u2'],
        eventId: f.eventId,
        setAsideKeys: ['email:e@x.com'],
      },
    ]);
    expect(graph.profileOf('anonymousId:fresh')).toBe(pidOf(customer('c-1'), user('u1'), anon('fresh')));
    expect(graph.profileOf('email:e@x.com')).toBe(pidOf(email('e@x.com'), user('u2')));
  });

  it('sets aside every identifier of one kind when they point at different users', () => {
    const graph = new IdentityGraph();
    graph.apply(fact(email('one@x.com'), user('u1')));
    graph.apply(fact(email('two@x.com'), user('u2')));
    const outcome = graph.apply(fact(email('one@x.com'), email('two@x.com')));
    expect(outcome.conflicts[0].setAsideKeys).toEqual(['email:one@x.com', 'email:two@x.com']);
    expect(outcome.merges).toEqual([]);
    expect(outcome.profileId).toBe(
      pidOf(email('one@x.com'), user('u1')) < pidOf(email('two@x.com'), user('u2'))
        ? pidOf(email('one@x.com'), user('u1'))
        : pidOf(email('two@x.com'), user('u2')),
    );
  });

  it('reports a conflict once per event, however often the fact is applied', () => {
    const graph = new IdentityGraph();
    graph.apply(fact(anon('device'), user('u1')));
    const f = fact(anon('device'), user('u2'));
    expect(graph.apply(f).conflicts).toHaveLength(1);
    expect(graph.apply(f)).toEqual({ profileId: pid(user('u2')), merges: [], conflicts: [] });
    expect(graph.size.conflicts).toBe(1);
  });

  it('gives the same result for conflicting facts in any order when rebuilt with fromFacts', () => {
    const facts = [
      fact(anon('device'), user('u1')),
      fact(anon('device'), user('u2')),
      fact(anon('device'), email('e@x.com')),
      fact(user('u1'), user('u3'), anon('other')),
    ];
    const keys = facts.flatMap((f) => f.identifiers.map((i) => i.key));
    const expected = snapshot(IdentityGraph.fromFacts(facts), keys);
    expect(snapshot(IdentityGraph.fromFacts([...facts].reverse()), keys)).toEqual(expected);
    expect(snapshot(IdentityGraph.fromFacts([facts[2], facts[0], facts[3], facts[1]]), keys)).toEqual(
      expected,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Property-style tests: random facts in shuffled orders.

/** mulberry32: a small seeded PRNG, so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];

const weakKinds: IdentifierKind[] = ['anonymousId', 'email', 'customerId', 'phone', 'social', 'clickId'];

/**
 * Facts over people that never link two userIds: people (each with at most one userId) are
 * linked within themselves, bridged to other people only while the bridged group keeps one
 * userId at most, and "messages naming two users" carry two userIds plus identifiers of one person.
 */
function conflictFreeFacts(seed: number): LinkFact[] {
  const random = prng(seed);
  const people = Array.from({ length: 25 }, (_, p) => {
    const ids = Array.from({ length: 2 + Math.floor(random() * 5) }, (_, i) =>
      id(pick(weakKinds, random), `${seed}-${p}-${i}`),
    );
    return random() < 0.7 ? [user(`u-${seed}-${p}`), ...ids] : ids;
  });
  const hasUser = people.map((ids) => ids.some((i) => i.kind === 'userId'));
  // Groups of bridged people, with their userId count, so bridges never join two userIds.
  const group = people.map((_, p) => p);
  const top = (p: number): number => (group[p] === p ? p : top(group[p]));
  const users = hasUser.map((h) => (h ? 1 : 0));

  const facts: LinkFact[] = [];
  const add = (identifiers: Identifier[]) => {
    const made = linkFactsOf(identifiers, `s${seed}-f${facts.length}`, Math.floor(random() * 1000));
    if (made) facts.push(made);
  };
  for (let n = 0; n < 150; n++) {
    const roll = random();
    if (roll < 0.75) {
      const person = pick(people, random);
      add(Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(person, random)));
    } else if (roll < 0.9) {
      const [p, q] = [Math.floor(random() * people.length), Math.floor(random() * people.length)];
      const [gp, gq] = [top(p), top(q)];
      if (gp !== gq && users[gp] + users[gq] <= 1) {
        group[gq] = gp;
        users[gp] += users[gq];
        add([pick(people[p], random), pick(people[q], random)]);
      }
    } else {
      const withUser = people.filter((ids) => ids.some((i) => i.kind === 'userId'));
      const [p, q] = [pick(withUser, random), pick(withUser, random)];
      if (p !== q)
        add([
          p[0],
          q[0],
          ...pick(people, random)
            .filter((i) => i.kind !== 'userId')
            .slice(0, 2),
        ]);
    }
  }
  return facts;
}

/** Reference answer: connected components of the facts, userIds of multi-user facts removed. */
function expectedComponents(facts: readonly LinkFact[]): string[][] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    const p = parent.get(k) ?? k;
    return p === k ? k : find(p);
  };
  for (const f of facts) {
    for (const i of f.identifiers) if (!parent.has(i.key)) parent.set(i.key, i.key);
    const users = f.identifiers.filter((i) => i.kind === 'userId');
    const linked = users.length >= 2 ? f.identifiers.filter((i) => i.kind !== 'userId') : f.identifiers;
    for (let i = 1; i < linked.length; i++) parent.set(find(linked[i].key), find(linked[0].key));
  }
  const byRoot = new Map<string, string[]>();
  for (const k of parent.keys()) byRoot.set(find(k), [...(byRoot.get(find(k)) ?? []), k]);
  return [...byRoot.values()].map((c) => c.sort()).sort();
}

describe('IdentityGraph: order independence (property)', () => {
  const seeds = [1, 2, 3, 42, 1234, 99991];

  it.each(seeds)('converges to the same partition and ids in every order (seed %i)', (seed) => {
    const facts = conflictFreeFacts(seed);
    const keys = facts.flatMap((f) => f.identifiers.map((i) => i.key));
    const expected = expectedComponents(facts);
    // The generated fact set is not trivial: big components, bridges, messages naming two users.
    expect(facts.length).toBeGreaterThan(100);
    expect(Math.max(...expected.map((c) => c.length))).toBeGreaterThan(8);
    expect(facts.some((f) => f.identifiers.filter((i) => i.kind === 'userId').length >= 2)).toBe(true);
    const random = prng(seed * 7919);

    const results = [
      facts,
      [...facts].reverse(),
      ...Array.from({ length: 6 }, () => shuffled(facts, random)),
    ].map((order) => {
      const graph = new IdentityGraph();
      const filedUnder: [LinkFact, ApplyOutcome][] = order.map((f) => [f, graph.apply(f)]);
      const mergedInto = new Map<string, string>();
      for (const [, o] of filedUnder) for (const m of o.merges) mergedInto.set(m.absorbed, m.survivor);
      const follow = (p: string): string => (mergedInto.has(p) ? follow(mergedInto.get(p) ?? p) : p);

      // Every profile id handed out while processing leads to the final one, through the graph
      // and through the reported merges alone.
      for (const [f, o] of filedUnder) {
        const final = graph.resolve(f.identifiers);
        expect(graph.survivorOf(o.profileId)).toBe(final);
        expect(follow(o.profileId)).toBe(final);
        for (const m of o.merges) expect(m.survivor < m.absorbed).toBe(true);
      }
      expect(
        filedUnder.every(
          ([f, o]) =>
            o.conflicts.length === 0 || f.identifiers.filter((i) => i.kind === 'userId').length >= 2,
        ),
      ).toBe(true);
      return snapshot(graph, keys);
    });

    expect(results[0].components).toEqual(expected);
    for (const r of results) expect(r).toEqual(results[0]);
    for (const component of expected) {
      const profile = profileIdForComponent(component);
      for (const key of component) expect(results[0].ids).toContain(`${key}=${profile}`);
    }
  });

  it.each(seeds)('keeps at most one userId per profile under heavy conflicts (seed %i)', (seed) => {
    const random = prng(seed);
    const pool = [
      ...Array.from({ length: 8 }, (_, i) => user(`u${i}`)),
      ...Array.from({ length: 40 }, (_, i) => id(pick(weakKinds, random), `w${i}`)),
    ];
    const facts = Array.from({ length: 120 }, (_, n) =>
      linkFactsOf(
        Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(pool, random)),
        `c${n}`,
        Math.floor(random() * 100),
      ),
    ).filter((f): f is LinkFact => f !== undefined);
    const keys = pool.map((i) => i.key);

    const rebuilt = snapshot(IdentityGraph.fromFacts(facts), keys);
    for (const order of [facts, shuffled(facts, random), shuffled(facts, random)]) {
      const graph = new IdentityGraph();
      for (const f of order) graph.apply(f);
      for (const component of snapshot(graph, keys).components) {
        expect(component.filter((k) => k.startsWith('userId:')).length).toBeLessThanOrEqual(1);
      }
      // Same order, same result.
      const again = new IdentityGraph();
      for (const f of order) again.apply(f);
      expect(snapshot(again, keys)).toEqual(snapshot(graph, keys));
      // Canonical rebuild agrees whatever order the facts come in.
      expect(snapshot(IdentityGraph.fromFacts(order), keys)).toEqual(rebuilt);
    }
  });
});

describe('IdentityGraph: scale', () => {
  it('applies 10k facts over 30k identifiers', () => {
    const random = prng(7);
    const graph = new IdentityGraph();
    let merges = 0;
    for (let n = 0; n < 10_000; n++) {
      const person = Math.floor(random() * 5_000);
      const f = linkFactsOf(
        [
          user(`u${person}`),
          anon(`a${person}-${Math.floor(random() * 4)}`),
          email(`${Math.floor(random() * 8_000)}@x.com`),
        ],
        `big-${n}`,
        n,
      );
      if (f) merges += graph.apply(f).merges.length;
    }
    const size = graph.size;
    expect(size.merges).toBe(merges);
    expect(size.identifiers).toBeGreaterThan(10_000);
    expect(size.profiles).toBe(size.identifiers - size.merges);
    expect(size.profiles).toBeGreaterThan(0);
  });
});
