import { BaseEnv } from '@cdp/config';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of the campaign service: the shared variables plus its own. */
export class CampaignEnv extends BaseEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  CAMPAIGN_METRICS_PORT = 9466;
}
