import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import { ApiError, campaignValidationPipe } from '../common/api-errors';
import { CreateCampaignDto, LiftQueryDto, ReplaceCampaignDto } from './campaign.dto';
import { toRecord, toRow, toView } from './campaign-record';

const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

const valid = {
  id: 'winback',
  trigger: { segment: 'churned', on: 'entered' },
  action: { type: 'webhook', url: 'https://crm.example.com/hooks/cdp', headers: { 'X-Team': 'crm' } },
  frequencyCap: { max: 1, per: { days: 30 } },
  holdoutPercent: 10,
  status: 'active',
};

async function problems(value: unknown, metatype: ArgumentMetadata['metatype'] = CreateCampaignDto) {
  try {
    await campaignValidationPipe().transform(value, body(metatype));
    return [];
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    expect(e.getStatus()).toBe(400);
    return e.errors;
  }
}

describe('campaign validation', () => {
  it('accepts the contract example', async () => {
    expect(await problems(valid)).toEqual([]);
    expect(
      await problems({ ...valid, frequencyCap: null, secret: '0123456789abcdef', holdoutPercent: 12.5 }),
    ).toEqual([]);
    expect(await problems({ ...valid, id: undefined }, ReplaceCampaignDto)).toEqual([]);
  });

  it('names every bad field, once', async () => {
    const found = await problems({
      id: 'Win Back',
      trigger: { segment: 'churned', on: 'joined' },
      action: { type: 'sms', url: 'ftp://x', headers: { 'Idempotency-Key': 'x' } },
      frequencyCap: { max: 0, per: { days: 1, hours: 2 } },
      holdoutPercent: 12.345,
      status: 'deleted',
      secret: 'short',
      colour: 'blue',
    });
    expect(found.map((p) => p.path).sort()).toEqual(
      [
        'action.headers',
        'action.type',
        'action.url',
        'colour',
        'frequencyCap.max',
        'frequencyCap.per',
        'holdoutPercent',
        'id',
        'secret',
        'status',
        'trigger.on',
      ].sort(),
    );
    expect(found.find((p) => p.path === 'colour')?.message).toBe('is not a known field');
    expect(found.find((p) => p.path === 'frequencyCap.per')?.message).toBe(
      'must have exactly one of days, hours',
    );
  });

  it('requires trigger, action and (for POST) id; reports types before ranges', async () => {
    expect(await problems({})).toEqual([
      { path: 'id', message: 'must be a string' },
      { path: 'trigger', message: 'should not be null or undefined' },
      { path: 'action', message: 'should not be null or undefined' },
    ]);
    expect(await problems({ ...valid, frequencyCap: { max: 'one', per: { days: 30 } } })).toEqual([
      { path: 'frequencyCap.max', message: 'must be an integer' },
    ]);
  });

  it('refuses header names and values that could break the request', async () => {
    const bad = async (headers: unknown) =>
      (await problems({ ...valid, action: { ...valid.action, headers } })).map((p) => p.message);
    expect(await bad({ 'X-A': 'line\r\nX-Evil: 1' })).toEqual([
      expect.stringContaining('invalid value for X-A'),
    ]);
    expect(await bad({ 'bad name': 'x' })).toEqual([expect.stringContaining('invalid header name')]);
    expect(await bad({ 'content-type': 'text/plain' })).toEqual([
      expect.stringContaining('must not set content-type'),
    ]);
    expect(await bad(['x'])).toEqual(['must be an object mapping header names to strings']);
  });

  it('a body that is not an object is one problem', async () => {
    expect(await problems([1])).toEqual([{ path: 'body', message: 'must be a JSON object' }]);
  });

  it('lift query: dates and window', async () => {
    const pipe = campaignValidationPipe();
    const q = (await pipe.transform(
      { windowDays: '14', from: '2026-11-01' },
      { type: 'query', metatype: LiftQueryDto },
    )) as LiftQueryDto;
    expect(q.windowDays).toBe(14);
    await expect(
      pipe.transform({ windowDays: '0' }, { type: 'query', metatype: LiftQueryDto }),
    ).rejects.toThrow(ApiError);
    await expect(
      pipe.transform({ from: 'last week' }, { type: 'query', metatype: LiftQueryDto }),
    ).rejects.toThrow(ApiError);
  });
});

describe('campaign record', () => {
  it('publishes the secret, never shows it, and stores analyst columns', () => {
    const created = new Date('2026-11-01T09:00:00.123Z');
    const record = toRecord(
      'winback',
      { ...valid, secret: '0123456789abcdef' } as unknown as CreateCampaignDto,
      3,
      created,
      created,
    );
    expect(record).toMatchObject({
      id: 'winback',
      version: 3,
      secret: '0123456789abcdef',
      frequencyCap: { max: 1, per: { days: 30 } },
    });
    const view = toView(record);
    expect(view).not.toHaveProperty('secret');
    expect(view.hasSecret).toBe(true);
    const row = toRow(view);
    expect(row).toMatchObject({
      campaign_id: 'winback',
      version: 3,
      status: 'active',
      frequency_cap_max: 1,
      frequency_cap_seconds: 30 * 86400,
      has_secret: 1,
      created_at: '2026-11-01 09:00:00',
      updated_ms: 123,
    });
    expect(row.definition).not.toContain('0123456789abcdef');
    expect(toRow(view, 'deleted').status).toBe('deleted');
  });
});
