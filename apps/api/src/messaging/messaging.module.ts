import { Module } from '@nestjs/common';
import { ConsumerProgressRepository } from './consumer-progress.repository';
import { TopicPublisher } from './topic.publisher';

/** The api's Kafka producer, shared by the segments, profiles and campaigns features, and its view of consumer groups' progress. */
@Module({
  providers: [TopicPublisher, ConsumerProgressRepository],
  exports: [TopicPublisher, ConsumerProgressRepository],
})
export class MessagingModule {}
