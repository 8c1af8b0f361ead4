import { DEFAULT_TRAITS_CONFIG, traitsConfig } from './traits.config';

describe('traitsConfig', () => {
  it('is the defaults without overrides', () => {
    expect(traitsConfig()).toEqual(DEFAULT_TRAITS_CONFIG);
  });

  it('merges each section in part', () => {
    const config = traitsConfig({
      lifecycle: { churnDays: 60 },
      currency: 'CNY',
      leadScore: { halfLifeDays: 7 },
    });
    expect(config.lifecycle).toEqual({ loyalOrders: 3, loyalWindowDays: 180, churnDays: 60 });
    expect(config.leadScore.halfLifeDays).toBe(7);
    expect(config.leadScore.weights).toBe(DEFAULT_TRAITS_CONFIG.leadScore.weights);
    expect(config.currency).toBe('CNY');
    expect(DEFAULT_TRAITS_CONFIG.lifecycle.churnDays).toBe(90);
  });

  it('documents thresholds that are ordered', () => {
    const { rfm, purchaseFrequency: pf } = DEFAULT_TRAITS_CONFIG;
    for (const list of [rfm.recencyDays, rfm.frequencyOrders, rfm.monetary]) {
      expect([...list].sort((a, b) => a - b)).toEqual([...list]);
    }
    expect(pf.high).toBeGreaterThanOrEqual(pf.medium);
    expect(pf.medium).toBeGreaterThanOrEqual(pf.low);
  });
});
