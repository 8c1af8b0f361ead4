import type { BaseEnv } from '@cdp/config';

/** The contract's topics (section 2), by role; names come from the environment. */
export interface TopicNames {
  rawWeb: string;
  rawSocial: string;
  rawAd: string;
  rawTransaction: string;
  events: string;
  eventsDlq: string;
  segmentEvents: string;
}

export function topicNamesFromEnv(env: BaseEnv): TopicNames {
  return {
    rawWeb: env.TOPIC_RAW_WEB,
    rawSocial: env.TOPIC_RAW_SOCIAL,
    rawAd: env.TOPIC_RAW_AD,
    rawTransaction: env.TOPIC_RAW_TRANSACTION,
    events: env.TOPIC_EVENTS,
    eventsDlq: env.TOPIC_EVENTS_DLQ,
    segmentEvents: env.TOPIC_SEGMENT_EVENTS,
  };
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries?: { name: string; value: string }[];
}

/** Specs for every contract topic with the configured partition count and replication. */
export function contractTopicSpecs(
  names: TopicNames,
  numPartitions: number,
  replicationFactor: number,
): TopicSpec[] {
  return (Object.values(names) as string[]).map((topic) => ({ topic, numPartitions, replicationFactor }));
}
