import { encodeSegmentDefinition, type SegmentDefinition } from '@cdp/domain/segments';
import { KafkaClient } from '@cdp/kafka';
import { Injectable } from '@nestjs/common';
import { TopicPublisher } from '../messaging/topic.publisher';

/**
 * Segment definitions -> the compacted definitions topic (TOPIC_SEGMENTS, key = segment id,
 * value = the definition JSON of @cdp/domain/segments), read in full by every segmenter.
 */
@Injectable()
export class SegmentDefinitionsPublisher {
  private readonly topic: string;

  constructor(
    kafka: KafkaClient,
    private readonly publisher: TopicPublisher,
  ) {
    this.topic = kafka.settings.topics.segments;
  }

  async publish(definition: SegmentDefinition): Promise<void> {
    await this.publisher.send(this.topic, [
      { key: definition.id, value: encodeSegmentDefinition(definition) },
    ]);
  }
}
