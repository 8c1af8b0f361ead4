import type { BaseEnv } from '@cdp/config';
import { TopicNames, topicNamesFromEnv } from './topics';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  connectionTimeoutMs: number;
  topics: TopicNames;
  partitions: number;
  replicationFactor: number;
  createTopics: boolean;
}

export function kafkaSettingsFromEnv(env: BaseEnv, clientId: string): KafkaSettings {
  return {
    brokers: env.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    clientId,
    connectionTimeoutMs: env.KAFKA_CONNECTION_TIMEOUT_MS,
    topics: topicNamesFromEnv(env),
    partitions: env.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    createTopics: env.KAFKA_CREATE_TOPICS,
  };
}
