import { Injectable } from '@nestjs/common';
import { CampaignEnv } from './campaign.env';
import type { CampaignDefinition } from './domain/campaign-definition';
import { retryAfterMs } from './domain/backoff';
import { classifyStatus, webhookHeaders, type AttemptOutcome } from './domain/webhook-request';
import type { Delivery } from './delivery';
import { errorText } from '@cdp/runtime';

/**
 * One webhook attempt: POST of the delivery's body to the campaign's current URL with its
 * headers, Idempotency-Key and, with a secret, the HMAC signature; redirects are not followed;
 * the whole exchange up to the response headers must finish within CAMPAIGN_WEBHOOK_TIMEOUT_MS.
 * The response body is not read.
 */
@Injectable()
export class WebhookSender {
  constructor(private readonly env: CampaignEnv) {}

  async send(
    campaign: CampaignDefinition,
    delivery: Delivery,
    attempt: number,
    stop: AbortSignal,
  ): Promise<AttemptOutcome> {
    const timeout = AbortSignal.timeout(this.env.CAMPAIGN_WEBHOOK_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(campaign.action.url, {
        method: 'POST',
        headers: webhookHeaders(campaign, delivery.id, delivery.body, attempt),
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.any([timeout, stop]),
      });
    } catch (e) {
      const error = timeout.aborted
        ? `timed out after ${this.env.CAMPAIGN_WEBHOOK_TIMEOUT_MS} ms`
        : stop.aborted
          ? 'interrupted by shutdown'
          : errorText(e);
      return { kind: 'retryable', statusCode: 0, error };
    }
    await response.body?.cancel().catch(() => undefined);
    return classifyStatus(response.status, retryAfterMs(response.headers.get('retry-after'), Date.now()));
  }
}
