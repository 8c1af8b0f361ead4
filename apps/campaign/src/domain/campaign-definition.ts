/**
 * A campaign as the api publishes it on the compacted `cdp.campaigns` topic (key = campaign id,
 * value = this JSON; a tombstone deletes it). Shape: contract section 8 plus `version`,
 * timestamps and the optional HMAC `secret` (docs/campaigns.md).
 */
export type CampaignStatus = 'active' | 'paused';
export type TriggerOn = 'entered' | 'exited';
export type CapWindow = { days: number } | { hours: number };

export interface FrequencyCap {
  max: number;
  per: CapWindow;
}

export interface WebhookAction {
  type: 'webhook';
  url: string;
  headers: Record<string, string>;
}

export interface CampaignDefinition {
  id: string;
  version: number;
  status: CampaignStatus;
  trigger: { segment: string; on: TriggerOn };
  action: WebhookAction;
  frequencyCap: FrequencyCap | null;
  holdoutPercent: number;
  /** Key of the `X-CDP-Signature` HMAC; absent: requests are not signed. */
  secret?: string;
  name?: string;
  description?: string;
  /** ISO 8601; segment events emitted before it do not trigger the campaign. */
  createdAt: string;
  updatedAt: string;
}

const HOUR_MS = 3600_000;

/** Length of a frequency cap window in milliseconds. */
export function capWindowMs(per: CapWindow): number {
  return 'days' in per ? per.days * 24 * HOUR_MS : per.hours * HOUR_MS;
}

export type DecodeResult = { ok: true; campaign: CampaignDefinition } | { ok: false; error: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/**
 * Reads a record of the campaigns topic. The api validated it already; this guards the service
 * against records it cannot act on (another writer, a future format): those are reported and
 * ignored, never half applied.
 */
export function decodeCampaign(id: string, value: Buffer | string): DecodeResult {
  let v: unknown;
  try {
    v = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { ok: false, error: 'value is not JSON' };
  }
  if (!isObject(v)) return { ok: false, error: 'value is not a JSON object' };
  const problems: string[] = [];
  if (v.id !== id) problems.push(`id ${JSON.stringify(v.id)} differs from the key`);
  if (!isPositiveInt(v.version)) problems.push('version must be a positive integer');
  if (v.status !== 'active' && v.status !== 'paused') problems.push('status must be active or paused');
  const trigger = v.trigger;
  if (
    !isObject(trigger) ||
    typeof trigger.segment !== 'string' ||
    trigger.segment === '' ||
    (trigger.on !== 'entered' && trigger.on !== 'exited')
  ) {
    problems.push('trigger must be { segment, on: entered|exited }');
  }
  const action = v.action;
  if (!isObject(action) || action.type !== 'webhook' || typeof action.url !== 'string') {
    problems.push('action must be { type: webhook, url }');
  } else {
    if (!/^https?:\/\//i.test(action.url)) problems.push('action.url must be an http(s) URL');
    const headers = action.headers ?? {};
    if (!isObject(headers) || Object.values(headers).some((h) => typeof h !== 'string')) {
      problems.push('action.headers must map names to strings');
    }
  }
  const cap = v.frequencyCap ?? null;
  if (cap !== null) {
    const per = isObject(cap) ? cap.per : undefined;
    const perOk =
      isObject(per) && Object.keys(per).length === 1 && (isPositiveInt(per.days) || isPositiveInt(per.hours));
    if (!isObject(cap) || !isPositiveInt(cap.max) || !perOk) {
      problems.push('frequencyCap must be { max, per: { days } | { hours } }');
    }
  }
  const holdout = v.holdoutPercent ?? 0;
  if (typeof holdout !== 'number' || !(holdout >= 0 && holdout <= 100)) {
    problems.push('holdoutPercent must be a number from 0 to 100');
  }
  if (v.secret !== undefined && (typeof v.secret !== 'string' || v.secret === '')) {
    problems.push('secret must be a non-empty string');
  }
  for (const field of ['createdAt', 'updatedAt']) {
    if (typeof v[field] !== 'string' || !Number.isFinite(Date.parse(v[field]))) {
      problems.push(`${field} must be an ISO 8601 instant`);
    }
  }
  if (problems.length > 0) return { ok: false, error: problems.join('; ') };
  const a = action as Json;
  return {
    ok: true,
    campaign: {
      ...(v as unknown as CampaignDefinition),
      action: { type: 'webhook', url: a.url as string, headers: (a.headers ?? {}) as Record<string, string> },
      frequencyCap: cap as FrequencyCap | null,
      holdoutPercent: holdout as number,
    },
  };
}
