import { Module } from '@nestjs/common';
import { TopicPublisher } from './topic.publisher';

/** The api's Kafka producer, shared by the segments, profiles and campaigns features. */
@Module({
  providers: [TopicPublisher],
  exports: [TopicPublisher],
})
export class MessagingModule {}
