import type { Admin } from 'kafkajs';
import type { TopicSpec } from './topics';

/**
 * Creates the topics that do not exist yet and returns their names. Safe to run from
 * several processes at once: a topic created concurrently by another process is fine.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (e) {
    // TOPIC_ALREADY_EXISTS from a concurrent creator: verify instead of failing.
    const now = new Set(await admin.listTopics());
    const stillMissing = missing.filter((s) => !now.has(s.topic));
    if (stillMissing.length > 0) throw e;
  }
  return missing.map((s) => s.topic);
}
