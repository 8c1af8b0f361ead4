import { KafkaClient } from '@cdp/kafka';
import { Injectable } from '@nestjs/common';
import { TopicPublisher } from '../messaging/topic.publisher';
import type { CampaignRecord } from './campaign-record';

/**
 * Campaign definitions -> the compacted campaigns topic (TOPIC_CAMPAIGNS, key = campaign id,
 * value = the definition JSON with its secret; a delete is a tombstone). The campaign service
 * reads the whole topic and acts on the latest value per key.
 */
@Injectable()
export class CampaignsPublisher {
  private readonly topic: string;

  constructor(
    kafka: KafkaClient,
    private readonly publisher: TopicPublisher,
  ) {
    this.topic = kafka.settings.topics.campaigns;
  }

  async publish(record: CampaignRecord): Promise<void> {
    await this.publisher.send(this.topic, [{ key: record.id, value: JSON.stringify(record) }]);
  }

  async tombstone(id: string): Promise<void> {
    await this.publisher.send(this.topic, [{ key: id, value: null }]);
  }
}
