import type { SourceKind } from '@cdp/domain';
import type { TopicNames } from '@cdp/kafka';
import type { IHeaders } from 'kafkajs';

/** One message of a raw topic as ingest sees it (bytes untouched, Kafka position attached). */
export interface RawMessage {
  topic: string;
  partition: number;
  /** Kafka offset (a decimal string, as kafkajs gives it). */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Kafka message timestamp, epoch milliseconds as a decimal string. */
  timestamp: string;
  headers?: IHeaders;
}

/** The four raw topics (contract section 2) and the source each one carries. */
export function rawTopicSources(topics: TopicNames): Map<string, SourceKind> {
  return new Map<string, SourceKind>([
    [topics.rawWeb, 'web'],
    [topics.rawSocial, 'social'],
    [topics.rawAd, 'ad'],
    [topics.rawTransaction, 'transaction'],
  ]);
}

/** The offset after `offset` (what a consumer group commits). */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
