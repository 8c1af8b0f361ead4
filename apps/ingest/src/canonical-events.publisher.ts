import type { CanonicalEvent } from '@cdp/domain';
import { KafkaClient } from '@cdp/kafka';
import { Injectable } from '@nestjs/common';
import { IngestProducer } from './ingest.producer';
import { eventMessage, mergeMessage } from './pipeline/canonical-messages';
import type { MergeRecord } from './pipeline/identity-rows';

export interface ProfiledEvent {
  event: CanonicalEvent;
  profileId: string;
}

/**
 * Canonical events and identity merges -> `cdp.events`, keyed by profile id (merges by the
 * survivor), after their ClickHouse write succeeded. Merges go first, so that on a survivor's
 * partition the merge precedes the events filed under the survivor in the same batch.
 */
@Injectable()
export class CanonicalEventsPublisher {
  private readonly topic: string;

  constructor(
    kafka: KafkaClient,
    private readonly producer: IngestProducer,
  ) {
    this.topic = kafka.settings.topics.events;
  }

  async publish(events: readonly ProfiledEvent[], merges: readonly MergeRecord[]): Promise<void> {
    await this.producer.send(this.topic, [
      ...merges.map(mergeMessage),
      ...events.map((e) => eventMessage(e.event, e.profileId)),
    ]);
  }
}
