import { BaseEnv, IsPort } from '@cdp/config';

/** Environment of the campaign service: the shared variables plus its own. */
export class CampaignEnv extends BaseEnv {
  @IsPort()
  CAMPAIGN_METRICS_PORT = 9466;
}
