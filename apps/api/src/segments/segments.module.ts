import { Module } from '@nestjs/common';
import { GridController } from '../grid/grid.controller';
import { GridService } from '../grid/grid.service';
import { MessagingModule } from '../messaging/messaging.module';
import { ProfileDataRepository } from '../profiles/profile-data.repository';
import { ProfilesController } from '../profiles/profiles.controller';
import { ProfilesService } from '../profiles/profiles.service';
import { RuleSql } from './rule-sql';
import { SegmentDefinitionsPublisher } from './segment-definitions.publisher';
import { SegmentsController } from './segments.controller';
import { SegmentsRepository } from './segments.repository';
import { SegmentsService } from './segments.service';

/** Segments, preview, members, history, performance, the grid and profiles (contract section 6, issue 6). */
@Module({
  imports: [MessagingModule],
  controllers: [SegmentsController, GridController, ProfilesController],
  providers: [
    SegmentsRepository,
    SegmentDefinitionsPublisher,
    RuleSql,
    SegmentsService,
    GridService,
    ProfileDataRepository,
    ProfilesService,
  ],
})
export class SegmentsModule {}
