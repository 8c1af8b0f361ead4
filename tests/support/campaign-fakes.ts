/** Fakes and builders for the campaign service's unit tests (apps/campaign/src/*.spec.ts). */
import { loadConfig } from '@cdp/config';
import type { KafkaClient } from '@cdp/kafka';
import { JsonLogger, MetricsService } from '@cdp/observability';
import type { CampaignCatalog, CatalogChange } from '../../apps/campaign/src/campaign-catalog';
import { CampaignEnv } from '../../apps/campaign/src/campaign.env';
import { CampaignMetrics } from '../../apps/campaign/src/campaign.metrics';
import type { Delivery } from '../../apps/campaign/src/delivery';
import type { CampaignDefinition } from '../../apps/campaign/src/domain/campaign-definition';

export const silentLogger = (): JsonLogger =>
  new JsonLogger('campaign-test', 'fatal', { write: () => undefined });

export function testEnv(overrides: Record<string, string> = {}): CampaignEnv {
  return loadConfig(CampaignEnv, {
    CAMPAIGN_WEBHOOK_BACKOFF_BASE_MS: '2',
    CAMPAIGN_WEBHOOK_BACKOFF_MAX_MS: '10',
    CAMPAIGN_WEBHOOK_MAX_ATTEMPTS: '4',
    CAMPAIGN_WEBHOOK_CONCURRENCY: '2',
    CAMPAIGN_RESUME_GRACE_MS: '0',
    CAMPAIGN_RETRY_BASE_MS: '1',
    CAMPAIGN_RETRY_MAX_MS: '5',
    CAMPAIGN_DECISION_FLUSH_MS: '5',
    ...overrides,
  });
}

export const testMetrics = (): CampaignMetrics => new CampaignMetrics(new MetricsService('campaign-test'));

export const fakeKafka = {
  settings: { topics: { segmentEvents: 'cdp.segment-events' } },
} as unknown as KafkaClient;

export function campaignDef(id: string, overrides: Partial<CampaignDefinition> = {}): CampaignDefinition {
  return {
    id,
    version: 1,
    status: 'active',
    trigger: { segment: 'churned', on: 'entered' },
    action: { type: 'webhook', url: `http://hooks.example/${id}`, headers: {} },
    frequencyCap: null,
    holdoutPercent: 0,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

/** A catalog holding the given campaigns; `set`/`remove` notify listeners like the real one. */
export class FakeCatalog {
  private readonly campaigns = new Map<string, CampaignDefinition>();
  private readonly listeners: ((c: CatalogChange) => void)[] = [];

  constructor(...campaigns: CampaignDefinition[]) {
    for (const c of campaigns) this.campaigns.set(c.id, c);
  }

  get(id: string): CampaignDefinition | undefined {
    return this.campaigns.get(id);
  }

  triggeredBy(segment: string, on: string): CampaignDefinition[] {
    return [...this.campaigns.values()].filter((c) => c.trigger.segment === segment && c.trigger.on === on);
  }

  onChange(listener: (c: CatalogChange) => void): void {
    this.listeners.push(listener);
  }

  set(c: CampaignDefinition): void {
    const before = this.campaigns.get(c.id);
    this.campaigns.set(c.id, c);
    this.listeners.forEach((l) => l({ id: c.id, before, after: c }));
  }

  remove(id: string): void {
    const before = this.campaigns.get(id);
    this.campaigns.delete(id);
    this.listeners.forEach((l) => l({ id, before, after: undefined }));
  }

  asCatalog(): CampaignCatalog {
    return this as unknown as CampaignCatalog;
  }
}

export function delivery(id: string, campaignId: string, overrides: Partial<Delivery> = {}): Delivery {
  return {
    id,
    campaignId,
    campaignVersion: 1,
    profileId: `p-${id}`,
    segmentId: 'churned',
    segmentVersion: 1,
    segmentEventId: `se-${id}`,
    eventType: 'segment.entered',
    causeKind: 'event',
    triggeredAtMs: Date.UTC(2026, 10, 1),
    decidedAtMs: Date.now(),
    source: { topic: 'cdp.segment-events', partition: 0, offset: '1' },
    body: `{"id":"se-${id}"}`,
    attempts: 0,
    lastStatusCode: 0,
    lastError: '',
    nextAttemptAtMs: 0,
    ...overrides,
  };
}

/** Resolves once `probe` is true (polling the event loop), or fails after `ms`. */
export async function until(probe: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
