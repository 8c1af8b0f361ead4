import { asEpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { leadScoreOf, nextLeadScoreChangeAt } from './lead-score.trait';
import { DAY_MS } from './trait-time';
import { traitsConfig } from './traits.config';

const NOW = Date.UTC(2026, 10, 1, 9);
const MIDNIGHT = Date.UTC(2026, 10, 1);
const config = traitsConfig();
const ev = (name: string, at: number): EventFact => ({
  name,
  source: 'web',
  occurredAt: asEpochMs(at),
  properties: {},
});

describe('leadScore', () => {
  it('sums configured weights of events of today', () => {
    const events = [
      ev('Page Viewed', NOW - 1000),
      ev('Product Viewed', MIDNIGHT),
      ev('Product Added', NOW),
      ev('Social Like', NOW),
      ev('Ad Click', NOW),
      ev('Email Opened', NOW),
      ev('Identify', NOW),
    ];
    expect(leadScoreOf(events, NOW, config)).toBe(1 + 3 + 5 + 2 + 2 + 1);
  });

  it('halves every 30 whole UTC days of age (step decay), 2 decimals', () => {
    expect(leadScoreOf([ev('Product Added', MIDNIGHT - 30 * DAY_MS)], NOW, config)).toBe(2.5);
    expect(leadScoreOf([ev('Product Added', MIDNIGHT - 1)], NOW, config)).toBe(4.89);
    expect(leadScoreOf([ev('Product Added', MIDNIGHT - 60 * DAY_MS + 1)], NOW, config)).toBe(1.25);
    expect(leadScoreOf([ev('Product Added', NOW + 1)], NOW, config)).toBe(0);
  });

  it('uses configured weights and half-life', () => {
    const c = traitsConfig({ leadScore: { weights: { 'Page Viewed': 10 }, halfLifeDays: 1 } });
    expect(leadScoreOf([ev('Page Viewed', MIDNIGHT - DAY_MS), ev('Product Added', NOW)], NOW, c)).toBe(5);
  });

  it('changes at the next UTC midnight, or when a weighted event arrives', () => {
    expect(nextLeadScoreChangeAt([ev('Page Viewed', NOW - 5 * DAY_MS)], NOW, config)).toBe(MIDNIGHT + DAY_MS);
    expect(nextLeadScoreChangeAt([ev('Page Viewed', NOW + 1000)], NOW, config)).toBe(NOW + 1000);
    expect(nextLeadScoreChangeAt([ev('Identify', NOW - 5)], NOW, config)).toBeUndefined();
  });

  it('stops changing once the decayed score rounds to 0 for good', () => {
    const old = ev('Page Viewed', MIDNIGHT - 300 * DAY_MS);
    expect(leadScoreOf([old], NOW, config)).toBe(0);
    expect(nextLeadScoreChangeAt([old], NOW, config)).toBeUndefined();
    const older = ev('Product Added', MIDNIGHT - 250 * DAY_MS);
    expect(leadScoreOf([older], NOW, config)).toBe(0.02);
    expect(nextLeadScoreChangeAt([older], NOW, config)).toBe(MIDNIGHT + DAY_MS);
  });
});
