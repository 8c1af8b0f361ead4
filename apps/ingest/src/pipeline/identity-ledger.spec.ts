import {
  identifierKey,
  IdentityGraph,
  linkFactsOf,
  profileIdForComponent,
  profileIdForKey,
  type Identifier,
  type LinkFact,
} from '@cdp/domain';
import { IdentityLedger } from './identity-ledger';

const id = (kind: Identifier['kind'], value: string): Identifier => ({
  kind,
  value,
  key: identifierKey(kind, value),
});
const fact = (eventId: string, ...ids: Identifier[]): LinkFact => linkFactsOf(ids, eventId, 1000)!;

const a = id('anonymousId', 'a-1');
const b = id('userId', 'u-1');
const c = id('email', 'lin@example.com');
const d = id('customerId', 'c-55');
const everyone = [a, b, c, d];
const person = profileIdForComponent(everyone.map((i) => i.key));

function run(live: boolean, facts: LinkFact[]): { graph: IdentityGraph; ledger: IdentityLedger } {
  const graph = new IdentityGraph();
  const ledger = new IdentityLedger();
  for (const f of facts) ledger.record(graph.apply(f), f, live);
  return { graph, ledger };
}

describe('IdentityLedger', () => {
  const facts = [fact('e1', a, b), fact('e2', c, d), fact('e3', b, c)];

  it('flattens: every id ever absorbed maps to the final survivor', () => {
    const { ledger } = run(true, facts);
    const merges = ledger.allMerges();
    const absorbed = everyone.map((i) => profileIdForKey(i.key)).filter((p) => p !== person);
    expect(merges.map((m) => m.absorbedId).sort()).toEqual(absorbed.sort());
    expect(merges.every((m) => m.survivorId === person)).toBe(true);
    expect(ledger.absorbedIdsOf(person).sort()).toEqual(absorbed.sort());
  });

  it('queues rows for the absorbed component and everything absorbed into it before', () => {
    const { graph, ledger } = run(true, facts.slice(0, 2));
    ledger.drain();
    const outcome = graph.apply(facts[2]);
    ledger.record(outcome, facts[2], true);
    const drained = ledger.drain();
    // the two earlier survivors: one is absorbed now, and the id it had absorbed moves along
    expect(outcome.merges).toHaveLength(1);
    const absorbedNow = outcome.merges[0].absorbed;
    expect(drained.notices).toEqual([
      { absorbedId: absorbedNow, survivorId: person, eventId: 'e3', occurredAt: 1000 },
    ]);
    expect(drained.mergeRows).toHaveLength(2);
    expect(drained.mergeRows.map((r) => r.absorbedId)).toContain(absorbedNow);
    expect(drained.mergeRows.every((r) => r.survivorId === person && r.eventId === 'e3')).toBe(true);
    expect(ledger.pendingCount).toBe(0);
  });

  it('the flattened result does not depend on the order facts came in', () => {
    const orders = [facts, [facts[2], facts[0], facts[1]], [facts[1], facts[2], facts[0]]];
    const results = orders.map((o) =>
      run(true, o)
        .ledger.allMerges()
        .map((m) => `${m.absorbedId}->${m.survivorId}`)
        .sort(),
    );
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it('facts replayed at start-up queue nothing', () => {
    const { ledger } = run(false, facts);
    expect(ledger.pendingCount).toBe(0);
    expect(ledger.allMerges()).toHaveLength(3);
  });

  it('requeue gives back a failed write, with the latest survivor', () => {
    const { graph, ledger } = run(true, facts.slice(0, 1));
    const failed = ledger.drain();
    ledger.record(graph.apply(facts[1]), facts[1], true);
    ledger.record(graph.apply(facts[2]), facts[2], true);
    ledger.requeue(failed);
    const again = ledger.drain();
    expect(again.notices.slice(0, failed.notices.length)).toEqual(failed.notices);
    const row = again.mergeRows.find((r) => r.absorbedId === failed.mergeRows[0].absorbedId);
    expect(row?.survivorId).toBe(person);
  });

  it('records conflicts once per event and queues reconciled ones', () => {
    const { graph, ledger } = run(true, [fact('e1', a, b)]);
    ledger.drain();
    const clash = fact('e9', a, id('userId', 'u-2'));
    ledger.record(graph.apply(clash), clash, true);
    const drained = ledger.drain();
    expect(drained.conflicts).toEqual([
      expect.objectContaining({ eventId: 'e9', reason: 'multiple_user_ids' }),
    ]);
    expect(ledger.allConflicts()).toHaveLength(1);
    ledger.enqueue(ledger.allMerges(), ledger.allConflicts());
    const reconciled = ledger.drain();
    expect(reconciled.mergeRows).toHaveLength(ledger.allMerges().length);
    expect(reconciled.notices).toHaveLength(ledger.allMerges().length);
    expect(reconciled.conflicts).toHaveLength(1);
  });
});
