import { runService } from '@cdp/runtime';
import { CampaignEnv } from './campaign.env';
import { CampaignModule } from './campaign.module';

void runService({
  service: 'campaign',
  envClass: CampaignEnv,
  port: (env) => env.CAMPAIGN_METRICS_PORT,
  imports: () => [CampaignModule],
});
