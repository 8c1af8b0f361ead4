/**
 * Prints one line per profile entering a segment, as segment events arrive.
 *
 *   npm run build
 *   KAFKA_BROKERS=127.0.0.1:9092 SEGMENT=churned node dist/libs/segment-events/examples/print-entries.js
 *
 * Variables: KAFKA_BROKERS (default 127.0.0.1:9092), TOPIC_SEGMENT_EVENTS (default
 * cdp.segment-events), GROUP_ID (default print-entries), SEGMENT (only this segment; default
 * all), MAX_EVENTS (exit 0 after printing that many; default: run until SIGINT/SIGTERM).
 * Output: one JSON line per entry on stdout; progress on stderr.
 */
import { subscribeToSegmentEvents, type SegmentEvent } from '@cdp/segment-events';

async function main(): Promise<void> {
  const maxEvents = Number(process.env.MAX_EVENTS ?? 0);
  let printed = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const subscription = await subscribeToSegmentEvents({
    brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    groupId: process.env.GROUP_ID ?? 'print-entries',
    topic: process.env.TOPIC_SEGMENT_EVENTS,
    filter: { type: 'entered', ...(process.env.SEGMENT ? { segment: process.env.SEGMENT } : {}) },
    handler: (event: SegmentEvent) => {
      const line = {
        segment: event.segment.id,
        profileId: event.profileId,
        userId: event.identities.userId ?? null,
        occurredAt: event.occurredAt,
        cause: event.cause.kind,
        id: event.id,
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      printed += 1;
      if (maxEvents > 0 && printed >= maxEvents) finish();
    },
  });
  process.stderr.write(`listening on ${subscription.topic} as group ${subscription.groupId}\n`);
  process.once('SIGINT', finish);
  process.once('SIGTERM', finish);
  await done;
  await subscription.stop();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`print-entries failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
