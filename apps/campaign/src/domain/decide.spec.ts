import { exampleSegmentEvent } from '@cdp/segment-events/testing';
import type { CampaignDefinition } from './campaign-definition';
import { decide, pairKey, type Candidate } from './decide';
import { deliveryIdOf } from './delivery-id';
import type { PriorDecision } from './frequency-cap';
import { isHeldOut } from './holdout';

const DAY = 86400_000;
const t0 = Date.UTC(2026, 10, 1);

function campaign(overrides: Partial<CampaignDefinition> = {}): CampaignDefinition {
  return {
    id: 'winback',
    version: 1,
    status: 'active',
    trigger: { segment: 'churned', on: 'entered' },
    action: { type: 'webhook', url: 'http://example.com', headers: {} },
    frequencyCap: { max: 1, per: { days: 30 } },
    holdoutPercent: 0,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

function candidate(c: CampaignDefinition, eventId: string, profileId: string, at: number): Candidate {
  return {
    deliveryId: deliveryIdOf(c.id, eventId),
    campaign: c,
    event: exampleSegmentEvent({ id: eventId, profileId, occurredAt: new Date(at).toISOString() }),
    triggeredAtMs: at,
    source: { topic: 'cdp.segment-events', partition: 0, offset: '1' },
  };
}

describe('decide', () => {
  it('sends the first transition, caps the next one in the window, sends again after it', () => {
    const c = campaign();
    const { decisions } = decide(
      [
        candidate(c, 'e1', 'p-1', t0),
        candidate(c, 'e2', 'p-1', t0 + 10 * DAY),
        candidate(c, 'e3', 'p-1', t0 + 31 * DAY),
        candidate(c, 'e4', 'p-2', t0 + 10 * DAY),
      ],
      new Map(),
    );
    expect(decisions.map((d) => [d.candidate.event.id, d.status])).toEqual([
      ['e1', 'pending'],
      ['e2', 'capped'],
      ['e3', 'pending'],
      ['e4', 'pending'],
    ]);
  });

  it('skips delivery ids decided before (ClickHouse history or earlier in the batch)', () => {
    const c = campaign({ frequencyCap: null });
    const a = candidate(c, 'e1', 'p-1', t0);
    const prior = new Map<string, PriorDecision[]>([
      [pairKey('winback', 'p-1'), [{ deliveryId: a.deliveryId, status: 'sent', triggeredAtMs: t0 }]],
    ]);
    const b = candidate(c, 'e2', 'p-1', t0 + DAY);
    const { decisions, duplicates } = decide([a, b, b], prior);
    expect(duplicates).toEqual([a, b]);
    expect(decisions.map((d) => d.candidate.event.id)).toEqual(['e2']);
  });

  it('counts ClickHouse history against the cap', () => {
    const c = campaign();
    const prior = new Map<string, PriorDecision[]>([
      [pairKey('winback', 'p-1'), [{ deliveryId: 'old', status: 'sent', triggeredAtMs: t0 - 5 * DAY }]],
    ]);
    expect(decide([candidate(c, 'e1', 'p-1', t0)], prior).decisions[0].status).toBe('capped');
  });

  it('holds out the holdout members (recorded, never sent) before caps apply', () => {
    const c = campaign({ holdoutPercent: 50 });
    const profiles = Array.from({ length: 200 }, (_, i) => `p-${i}`);
    const held = profiles.filter((p) => isHeldOut('winback', p, 50));
    expect(held.length).toBeGreaterThan(50);
    const { decisions } = decide(
      profiles.flatMap((p) => [candidate(c, `${p}-a`, p, t0), candidate(c, `${p}-b`, p, t0 + DAY)]),
      new Map(),
    );
    for (const d of decisions) {
      const holdout = held.includes(d.candidate.event.profileId);
      if (holdout) expect(d.status).toBe('held_out');
      else expect(d.status).toBe(d.candidate.event.id.endsWith('-a') ? 'pending' : 'capped');
    }
  });

  it('keeps campaigns apart: a cap of one campaign does not affect another', () => {
    const a = campaign({ id: 'a' });
    const b = campaign({ id: 'b' });
    const { decisions } = decide([candidate(a, 'e1', 'p-1', t0), candidate(b, 'e1', 'p-1', t0)], new Map());
    expect(decisions.map((d) => d.status)).toEqual(['pending', 'pending']);
  });
});
