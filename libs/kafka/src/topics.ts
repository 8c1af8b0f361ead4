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
  /** Platform-internal: compacted topic of identity link facts (key = fact id). */
  identityLinks: string;
  /** Platform-internal: compacted segment definitions (key = segment id). */
  segments: string;
  /** Platform-internal: compacted per-profile segmenter state (key = profile id). */
  segmentState: string;
  /** Platform-internal: compacted campaign definitions (key = campaign id). */
  campaigns: string;
  /** Platform-internal: dead letters of the campaign service. */
  campaignDlq: string;
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
    identityLinks: env.TOPIC_IDENTITY_LINKS,
    segments: env.TOPIC_SEGMENTS,
    segmentState: env.TOPIC_SEGMENT_STATE,
    campaigns: env.TOPIC_CAMPAIGNS,
    campaignDlq: env.TOPIC_CAMPAIGN_DLQ,
  };
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries?: { name: string; value: string }[];
}

/** Topic configs beyond partitions and replication, by role (the rest use the broker defaults). */
const TOPIC_CONFIGS: Partial<Record<keyof TopicNames, { name: string; value: string }[]>> = {
  identityLinks: [{ name: 'cleanup.policy', value: 'compact' }],
  segments: [{ name: 'cleanup.policy', value: 'compact' }],
  segmentState: [{ name: 'cleanup.policy', value: 'compact' }],
  campaigns: [{ name: 'cleanup.policy', value: 'compact' }],
};

/** Specs for every topic in TopicNames with the configured partition count and replication. */
export function contractTopicSpecs(
  names: TopicNames,
  numPartitions: number,
  replicationFactor: number,
): TopicSpec[] {
  return (Object.entries(names) as [keyof TopicNames, string][]).map(([role, topic]) => {
    const configEntries = TOPIC_CONFIGS[role];
    return { topic, numPartitions, replicationFactor, ...(configEntries ? { configEntries } : {}) };
  });
}
