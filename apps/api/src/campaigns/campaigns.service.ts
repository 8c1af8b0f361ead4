import { errorText } from '@cdp/runtime';
import { JsonLogger } from '@cdp/observability';
import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-errors';
import type { CampaignFieldsDto, LiftQueryDto } from './campaign.dto';
import { toRecord, toRow, toView, type CampaignRecord, type CampaignView } from './campaign-record';
import { CampaignsPublisher } from './campaigns.publisher';
import { CampaignsRepository } from './campaigns.repository';
import { liftReport, type LiftReport } from './lift';
import { LiftRepository } from './lift.repository';

const DAY_MS = 86400_000;
const STORE_ATTEMPTS = 3;

export interface LiftAnswer extends LiftReport {
  campaignId: string;
  from: string;
  to: string;
  windowDays: number;
  method: string;
}

/**
 * Campaign definitions: create, replace (update, pause, resume), delete, read; and the lift
 * report. A write is published to the compacted campaigns topic first (what the campaign
 * service acts on), then stored in ClickHouse (what reads and analysts see). Writes of one id
 * are serialized within the process; the version grows by one with every write, across
 * deletes.
 */
@Injectable()
export class CampaignsService {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly repository: CampaignsRepository,
    private readonly publisher: CampaignsPublisher,
    private readonly lifts: LiftRepository,
    private readonly logger: JsonLogger,
  ) {}

  async list(): Promise<CampaignView[]> {
    return this.repository.list();
  }

  async get(id: string): Promise<CampaignView> {
    const stored = await this.repository.latest(id);
    if (!stored || stored.deleted) throw notFound(id);
    return stored.view;
  }

  create(id: string, dto: CampaignFieldsDto): Promise<CampaignView> {
    return this.serialized(id, async () => {
      const stored = await this.repository.latest(id);
      if (stored && !stored.deleted) {
        throw new ApiError(
          HttpStatus.CONFLICT,
          'conflict',
          `campaign ${id} exists: PUT /v1/campaigns/${id} replaces it`,
        );
      }
      const now = new Date();
      return this.write(toRecord(id, dto, (stored?.version ?? 0) + 1, now, now));
    });
  }

  /** Replaces the whole definition (creating it when absent); `created` says which. */
  replace(id: string, dto: CampaignFieldsDto): Promise<{ view: CampaignView; created: boolean }> {
    return this.serialized(id, async () => {
      const stored = await this.repository.latest(id);
      const current = stored && !stored.deleted ? stored : undefined;
      const now = new Date();
      const createdAt = current ? new Date(current.view.createdAt) : now;
      const view = await this.write(toRecord(id, dto, (stored?.version ?? 0) + 1, createdAt, now));
      return { view, created: !current };
    });
  }

  remove(id: string): Promise<void> {
    return this.serialized(id, async () => {
      const stored = await this.repository.latest(id);
      if (!stored || stored.deleted) throw notFound(id);
      await this.publishOr503(() => this.publisher.tombstone(id));
      const deleted: CampaignView = {
        ...stored.view,
        version: stored.version + 1,
        updatedAt: new Date().toISOString(),
      };
      await this.store(toRow(deleted, 'deleted'));
      this.logger.log({ msg: 'campaign deleted', campaign: id, version: deleted.version }, 'Campaigns');
    });
  }

  async lift(id: string, query: LiftQueryDto): Promise<LiftAnswer> {
    const stored = await this.repository.latest(id);
    if (!stored) throw notFound(id);
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 90 * DAY_MS);
    if (!(from.getTime() < to.getTime())) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation', 'invalid request', [
        { path: 'from', message: 'must be before to' },
      ]);
    }
    const windowDays = query.windowDays ?? 30;
    const input = await this.lifts.lift({ campaignId: id, from, to, windowDays });
    return {
      campaignId: id,
      from: from.toISOString(),
      to: to.toISOString(),
      windowDays,
      ...liftReport(input),
      method:
        'members: persons (merged profiles resolved) with a sent (treated) or held_out (holdout) delivery triggered in [from, to); ' +
        'converted: an Order Completed within windowDays after their first trigger; ' +
        'difference = treated - holdout, 95% CI by the normal approximation (unpooled for proportions, Welch for revenue per member)',
    };
  }

  private async write(record: CampaignRecord): Promise<CampaignView> {
    await this.publishOr503(() => this.publisher.publish(record));
    const view = toView(record);
    await this.store(toRow(view));
    this.logger.log(
      { msg: 'campaign written', campaign: record.id, version: record.version, status: record.status },
      'Campaigns',
    );
    return view;
  }

  private async publishOr503(publish: () => Promise<void>): Promise<void> {
    try {
      await publish();
    } catch (e) {
      this.logger.warn({ msg: 'publishing a campaign definition failed', err: errorText(e) }, 'Campaigns');
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'kafka_unavailable',
        `campaign not saved: ${errorText(e)}`,
      );
    }
  }

  private async store(row: Parameters<CampaignsRepository['insert']>[0]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.repository.insert(row);
        return;
      } catch (e) {
        if (attempt >= STORE_ATTEMPTS) {
          this.logger.error(
            { msg: 'storing a campaign definition failed', campaign: row.campaign_id, err: errorText(e) },
            'Campaigns',
          );
          throw new ApiError(
            HttpStatus.SERVICE_UNAVAILABLE,
            'storage_unavailable',
            'the campaign service has the change, but it could not be stored for reads; send the request again',
          );
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  private async serialized<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(id, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(id) === next) this.locks.delete(id);
    }
  }
}

function notFound(id: string): ApiError {
  return new ApiError(HttpStatus.NOT_FOUND, 'not_found', `no campaign ${id}`);
}
