import { KafkaClient } from '@cdp/kafka';
import { Injectable } from '@nestjs/common';
import type { IHeaders } from 'kafkajs';
import { CampaignMetrics } from './campaign.metrics';
import { CampaignProducer } from './campaign.producer';

/** A segment events message as read (what a dead letter keeps). */
export interface SegmentMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | string | null;
  value: Buffer | null;
  headers: IHeaders;
  /** Kafka timestamp, epoch ms as a string. */
  timestamp: string;
}

export type DeadLetterReason = 'invalid_payload' | 'processing_failed' | 'write_failed';

export interface DeadLetterProblem {
  path: string;
  message: string;
}

/**
 * Segment events the service gave up on -> `cdp.campaign.dlq` (TOPIC_CAMPAIGN_DLQ), keyed as
 * received, with the reasons, where the message was and its original bytes (base64), in the
 * shape of the platform's other dead letters (contract section 5).
 */
@Injectable()
export class DeadLetterPublisher {
  private readonly topic: string;

  constructor(
    kafka: KafkaClient,
    private readonly producer: CampaignProducer,
    private readonly metrics: CampaignMetrics,
  ) {
    this.topic = kafka.settings.topics.campaignDlq;
  }

  async publish(
    message: SegmentMessage,
    reason: DeadLetterReason,
    reasons: DeadLetterProblem[],
  ): Promise<void> {
    const key = message.key === null ? null : Buffer.from(message.key);
    const timestamp = Number(message.timestamp);
    await this.producer.send(this.topic, [
      {
        key,
        value: JSON.stringify({
          reason,
          reasons,
          source: {
            topic: message.topic,
            partition: message.partition,
            offset: message.offset,
            timestamp: Number.isFinite(timestamp) ? new Date(timestamp).toISOString() : null,
          },
          keyBase64: key?.toString('base64') ?? null,
          payloadBase64: message.value?.toString('base64') ?? null,
          rejectedAt: new Date().toISOString(),
        }),
        headers: { ...message.headers, 'cdp-dlq-reason': reason },
      },
    ]);
    this.metrics.deadLetters.inc({ reason });
  }
}
