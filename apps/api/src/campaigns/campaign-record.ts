import { formatDateTime } from '@cdp/clickhouse';
import type { CampaignFieldsDto } from './campaign.dto';

export type CapWindow = { days: number } | { hours: number };

/**
 * A campaign definition as published on the compacted campaigns topic (key = id); the
 * campaign service reads exactly this (apps/campaign/src/domain/campaign-definition.ts).
 */
export interface CampaignRecord {
  id: string;
  version: number;
  status: 'active' | 'paused';
  name?: string;
  description?: string;
  trigger: { segment: string; on: 'entered' | 'exited' };
  action: { type: 'webhook'; url: string; headers: Record<string, string> };
  frequencyCap: { max: number; per: CapWindow } | null;
  holdoutPercent: number;
  secret?: string;
  createdAt: string;
  updatedAt: string;
}

/** What the api answers: the record without the secret, plus whether one is set. */
export type CampaignView = Omit<CampaignRecord, 'secret'> & { hasSecret: boolean };

/** One row of the `campaigns` table (0005). */
export interface CampaignRow {
  campaign_id: string;
  version: number;
  status: 'active' | 'paused' | 'deleted';
  trigger_segment: string;
  trigger_on: string;
  action_type: string;
  action_url: string;
  action_headers: string;
  frequency_cap_max: number;
  frequency_cap_seconds: number;
  holdout_percent: number;
  has_secret: number;
  created_at: string;
  updated_at: string;
  updated_ms: number;
  definition: string;
}

export function toRecord(
  id: string,
  dto: CampaignFieldsDto,
  version: number,
  createdAt: Date,
  updatedAt: Date,
): CampaignRecord {
  const per = dto.frequencyCap?.per;
  return {
    id,
    version,
    status: dto.status ?? 'active',
    ...(dto.name !== undefined ? { name: dto.name } : {}),
    ...(dto.description !== undefined ? { description: dto.description } : {}),
    trigger: { segment: dto.trigger.segment, on: dto.trigger.on },
    action: { type: 'webhook', url: dto.action.url, headers: { ...(dto.action.headers ?? {}) } },
    frequencyCap:
      dto.frequencyCap && per
        ? {
            max: dto.frequencyCap.max,
            per: per.days !== undefined ? { days: per.days } : { hours: per.hours ?? 1 },
          }
        : null,
    holdoutPercent: dto.holdoutPercent ?? 0,
    ...(dto.secret !== undefined ? { secret: dto.secret } : {}),
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}

export function toView(record: CampaignRecord): CampaignView {
  const { secret, ...rest } = record;
  return { ...rest, hasSecret: secret !== undefined };
}

function capSeconds(per: CapWindow): number {
  return 'days' in per ? per.days * 86400 : per.hours * 3600;
}

export function toRow(view: CampaignView, status: CampaignRow['status'] = view.status): CampaignRow {
  const updated = new Date(view.updatedAt);
  return {
    campaign_id: view.id,
    version: view.version,
    status,
    trigger_segment: view.trigger.segment,
    trigger_on: view.trigger.on,
    action_type: view.action.type,
    action_url: view.action.url,
    action_headers: JSON.stringify(view.action.headers),
    frequency_cap_max: view.frequencyCap?.max ?? 0,
    frequency_cap_seconds: view.frequencyCap ? capSeconds(view.frequencyCap.per) : 0,
    holdout_percent: view.holdoutPercent,
    has_secret: view.hasSecret ? 1 : 0,
    created_at: formatDateTime(new Date(view.createdAt)),
    updated_at: formatDateTime(updated),
    updated_ms: updated.getUTCMilliseconds(),
    definition: JSON.stringify(view),
  };
}
