import { capWindowMs, decodeCampaign } from './campaign-definition';

const valid = {
  id: 'winback',
  version: 2,
  status: 'active',
  trigger: { segment: 'churned', on: 'entered' },
  action: { type: 'webhook', url: 'https://crm.example.com/hook', headers: { 'X-Team': 'crm' } },
  frequencyCap: { max: 1, per: { days: 30 } },
  holdoutPercent: 10,
  secret: 'topsecret-0123456789',
  createdAt: '2026-11-01T09:00:00.000Z',
  updatedAt: '2026-11-02T09:00:00.000Z',
};

describe('decodeCampaign', () => {
  it('reads a definition the api published', () => {
    const result = decodeCampaign('winback', Buffer.from(JSON.stringify(valid)));
    expect(result).toEqual({ ok: true, campaign: valid });
  });

  it('defaults headers, cap and holdout', () => {
    const { frequencyCap: _f, holdoutPercent: _h, ...rest } = valid;
    const result = decodeCampaign(
      'winback',
      JSON.stringify({ ...rest, action: { type: 'webhook', url: 'http://x' } }),
    );
    expect(result.ok && result.campaign).toMatchObject({
      action: { type: 'webhook', url: 'http://x', headers: {} },
      frequencyCap: null,
      holdoutPercent: 0,
    });
  });

  it('names what is wrong with a record it cannot act on', () => {
    expect(decodeCampaign('winback', 'nope')).toEqual({ ok: false, error: 'value is not JSON' });
    const result = decodeCampaign(
      'other',
      JSON.stringify({
        ...valid,
        version: 0,
        status: 'deleted',
        trigger: { segment: 'churned', on: 'joined' },
        action: { type: 'webhook', url: 'ftp://x' },
        frequencyCap: { max: 1, per: { weeks: 1 } },
        holdoutPercent: 101,
        createdAt: 'yesterday',
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const part of [
      'differs from the key',
      'version',
      'status',
      'trigger',
      'action.url',
      'frequencyCap',
      'holdoutPercent',
      'createdAt',
    ]) {
      expect(result.error).toContain(part);
    }
  });

  it('window lengths', () => {
    expect(capWindowMs({ days: 30 })).toBe(30 * 86400_000);
    expect(capWindowMs({ hours: 6 })).toBe(6 * 3600_000);
  });
});
