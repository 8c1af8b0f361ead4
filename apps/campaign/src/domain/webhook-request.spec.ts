import { exampleSegmentEvent } from '@cdp/segment-events/testing';
import { classifyStatus, signatureOf, verifySignature, webhookBody, webhookHeaders } from './webhook-request';

const campaign = {
  id: 'winback',
  secret: 'topsecret-0123456789',
  action: {
    type: 'webhook' as const,
    url: 'https://example.com/hook',
    headers: { 'X-Team': 'crm', 'Idempotency-Key': 'forged', 'content-type': 'text/plain' },
  },
};

describe('webhook request', () => {
  it('the body is the segment event plus campaignId and deliveryId', () => {
    const event = exampleSegmentEvent();
    const body = JSON.parse(webhookBody(event, 'winback', 'd-1')) as Record<string, unknown>;
    expect(body).toEqual({ ...event, campaignId: 'winback', deliveryId: 'd-1' });
  });

  it('signs the exact body with HMAC-SHA256 of the campaign secret (known vector)', () => {
    // echo -n 'hello' | openssl dgst -sha256 -hmac 'key'
    expect(signatureOf('key', 'hello')).toBe(
      'sha256=9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b',
    );
    const body = webhookBody(exampleSegmentEvent(), 'winback', 'd-1');
    const sig = signatureOf(campaign.secret, body);
    expect(verifySignature(campaign.secret, body, sig)).toBe(true);
    expect(verifySignature('other-secret', body, sig)).toBe(false);
    expect(verifySignature(campaign.secret, `${body} `, sig)).toBe(false);
    expect(verifySignature(campaign.secret, body, undefined)).toBe(false);
    expect(verifySignature(campaign.secret, body, 'sha256=00')).toBe(false);
  });

  it('sets Idempotency-Key, Content-Type and the signature itself; configured headers cannot override them', () => {
    const body = '{"a":1}';
    const headers = webhookHeaders(campaign, 'd-42', body, 3);
    expect(headers).toEqual({
      'X-Team': 'crm',
      'content-type': 'application/json',
      'user-agent': 'cdp-campaign/1',
      'idempotency-key': 'd-42',
      'x-cdp-campaign-id': 'winback',
      'x-cdp-delivery-attempt': '3',
      'x-cdp-signature': signatureOf(campaign.secret, body),
    });
  });

  it('sends no signature without a secret', () => {
    const headers = webhookHeaders({ ...campaign, secret: undefined }, 'd-1', '{}', 1);
    expect(headers['x-cdp-signature']).toBeUndefined();
  });

  it('retries 408, 429 and 5xx, fails other non-2xx at once', () => {
    expect(classifyStatus(200)).toEqual({ kind: 'delivered', statusCode: 200 });
    expect(classifyStatus(204).kind).toBe('delivered');
    for (const s of [408, 429, 500, 502, 503, 504]) expect(classifyStatus(s).kind).toBe('retryable');
    for (const s of [301, 302, 400, 401, 403, 404, 410, 422])
      expect(classifyStatus(s).kind).toBe('permanent');
    expect(classifyStatus(429, 5000)).toEqual({
      kind: 'retryable',
      statusCode: 429,
      error: 'HTTP 429',
      retryAfterMs: 5000,
    });
  });
});
