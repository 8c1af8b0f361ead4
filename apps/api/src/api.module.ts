import { Module } from '@nestjs/common';
import { CampaignsModule } from './campaigns/campaigns.module';
import { SegmentsModule } from './segments/segments.module';

/** The api service's own providers and controllers (the shared runtime comes from runService). */
@Module({
  imports: [CampaignsModule, SegmentsModule],
})
export class ApiModule {}
