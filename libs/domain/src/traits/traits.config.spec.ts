import { DEFAULT_TRAITS_CONFIG, parseTraitsConfig, traitsConfig } from './traits.config';

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

describe('parseTraitsConfig', () => {
  const problemsOf = (text: string): string[] => {
    const result = parseTraitsConfig(text);
    if (result.ok) throw new Error(`expected problems for ${text}`);
    return result.problems;
  };

  it('merges valid overrides over the defaults', () => {
    const result = parseTraitsConfig(
      '{"lifecycle":{"churnDays":60},"currency":"EUR","rfm":{"monetary":[0,50,50,900]},"leadScore":{"weights":{"Unsubscribed":-5}}}',
    );
    expect(result).toEqual({
      ok: true,
      config: {
        ...DEFAULT_TRAITS_CONFIG,
        currency: 'EUR',
        lifecycle: { ...DEFAULT_TRAITS_CONFIG.lifecycle, churnDays: 60 },
        rfm: { ...DEFAULT_TRAITS_CONFIG.rfm, monetary: [0, 50, 50, 900] },
        leadScore: { ...DEFAULT_TRAITS_CONFIG.leadScore, weights: { Unsubscribed: -5 } },
      },
    });
    expect(parseTraitsConfig('{}')).toEqual({ ok: true, config: DEFAULT_TRAITS_CONFIG });
  });

  it('names every bad field at once', () => {
    expect(
      problemsOf(
        '{"lifecycle":{"churnDays":"sixty","loyalOrders":0},"rfm":{"recencyDays":[90,30,180,365]},"purchaseStage":{"decisionEvents":"Product Added"},"currency":"eur"}',
      ),
    ).toEqual([
      'lifecycle.churnDays must be a whole number from 1 to 1000000 (got "sixty")',
      'lifecycle.loyalOrders must be a whole number from 1 to 1000000 (got 0)',
      'rfm.recencyDays must be in ascending order (got [90,30,180,365])',
      'purchaseStage.decisionEvents must be a list of non-empty strings (got "Product Added")',
      'currency must be a three-letter upper-case currency code such as "EUR" (got "eur")',
    ]);
  });

  it('rejects unknown sections and fields, naming what is known', () => {
    expect(problemsOf('{"lifecyle":{"churnDays":60},"leadScore":{"halfLife":7}}')).toEqual([
      'lifecyle is not a setting (known: currency, lifecycle, purchaseFrequency, rfm, purchaseStage, leadScore, acquisition)',
      'leadScore.halfLife is not a setting (known: weights, halfLifeDays)',
    ]);
  });

  it('rejects what is not a JSON object, and sections that are not objects', () => {
    expect(problemsOf('{"lifecycle":')[0]).toMatch(/^is not valid JSON/);
    expect(problemsOf('[1]')).toEqual([
      'must be a JSON object such as {"lifecycle":{"churnDays":60}} (got [1])',
    ]);
    expect(problemsOf('{"rfm":5}')).toEqual(['rfm must be an object (got 5)']);
    expect(problemsOf('{"leadScore":{"weights":{"Page Viewed":"1"}}}')).toEqual([
      'leadScore.weights must map every event name to a number ("Page Viewed" -> "1")',
    ]);
  });

  it('checks the merged purchase-frequency levels', () => {
    expect(problemsOf('{"purchaseFrequency":{"medium":9}}')).toEqual([
      'purchaseFrequency levels must be high >= medium >= low (got high 4, medium 9, low 1)',
    ]);
    expect(parseTraitsConfig('{"purchaseFrequency":{"medium":9,"high":12}}').ok).toBe(true);
  });
});
