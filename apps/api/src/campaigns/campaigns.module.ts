import { Module } from '@nestjs/common';
import { MessagingModule } from '../messaging/messaging.module';
import { CampaignsController } from './campaigns.controller';
import { CampaignsPublisher } from './campaigns.publisher';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { LiftRepository } from './lift.repository';

/** Campaign definitions and lift reports (contract section 8). */
@Module({
  imports: [MessagingModule],
  controllers: [CampaignsController],
  // AdminTokenGuard and ApiErrorFilter are instantiated by Nest where the controller uses them
  providers: [CampaignsRepository, CampaignsPublisher, CampaignsService, LiftRepository],
})
export class CampaignsModule {}
