import { Module } from '@nestjs/common';
import { SegmentDefinitionsRegistry } from './definitions/segment-definitions.registry';
import { EventsConsumer } from './events.consumer';
import { SegmentHistoryWriter } from './history/segment-history.writer';
import { PartitionManager } from './partition-manager';
import { SegmenterClock, SegmenterClockController } from './segmenter.clock';
import { SegmenterLifecycle } from './segmenter.lifecycle';
import { SegmenterMetrics } from './segmenter.metrics';
import { SnapshotRepository } from './snapshot.repository';

/** The segmenter service's own providers (the shared runtime comes from runService). */
@Module({
  controllers: [SegmenterClockController],
  providers: [
    SegmenterClock,
    SegmenterMetrics,
    SnapshotRepository,
    SegmentDefinitionsRegistry,
    PartitionManager,
    SegmentHistoryWriter,
    EventsConsumer,
    SegmenterLifecycle,
  ],
})
export class SegmenterModule {}
