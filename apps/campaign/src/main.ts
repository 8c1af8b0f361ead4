import { runService } from '@cdp/runtime';
import { CampaignEnv } from './campaign.env';
import { CampaignModule } from './campaign.module';
import { SegmentEventsServer } from './segment-events.server';

void runService({
  service: 'campaign',
  envClass: CampaignEnv,
  port: (env) => env.CAMPAIGN_METRICS_PORT,
  imports: (env) => [CampaignModule.forRoot(env)],
  // the Kafka transport joins the HTTP app (metrics, health); CampaignLifecycle starts it once
  // the campaign definitions are loaded, and Nest closes it at shutdown
  configure: (app) => {
    app.connectMicroservice({ strategy: app.get(SegmentEventsServer) }, { inheritAppConfig: true });
  },
});
