import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { KafkaContext } from '@nestjs/microservices';
import { subscribeToSegmentEvents, type SegmentEvent } from '@cdp/segment-events';
import { OnSegmentEvent, segmentEventsKafkaOptions } from '@cdp/segment-events/nest';
import { Kafka, logLevel } from 'kafkajs';
import { SegmentEventsProducer, segmentEvent } from '../support/campaign-harness';
import { ROOT } from '../support/service-process';
import { eventually, KAFKA_BROKERS, uniqueSuffix } from '../support/test-env';

describe('@cdp/segment-events: the consumer SDK against real Kafka', () => {
  const suffix = uniqueSuffix();
  const topic = `t.${suffix}.segment-events`;
  const producer = new SegmentEventsProducer(KAFKA_BROKERS, topic);
  const kafka = new Kafka({
    clientId: `e2e-${suffix}`,
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await producer.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('the example prints one line per entry into the segment, and nothing else', async () => {
    const churned = [segmentEvent('churned', 'p-ex1'), segmentEvent('churned', 'p-ex3')];
    await producer.send([
      churned[0],
      segmentEvent('churned', 'p-ex1', { type: 'segment.exited' }),
      segmentEvent('loyal-buyers', 'p-ex2'),
      'not a segment event',
      churned[0], // a redelivered transition: printed once
      churned[1],
    ]);
    await producer.send([segmentEvent('churned', 'p-ex4')], { abort: true }); // read committed: never seen

    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist', 'libs', 'segment-events', 'examples', 'print-entries.js')],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          KAFKA_BROKERS,
          TOPIC_SEGMENT_EVENTS: topic,
          GROUP_ID: `t.${suffix}.print-entries`,
          SEGMENT: 'churned',
          MAX_EVENTS: '2',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    expect({ code, stderr }).toMatchObject({ code: 0 });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.profileId).sort()).toEqual(['p-ex1', 'p-ex3']);
    expect(lines[0]).toMatchObject({ segment: 'churned', cause: 'event' });
    expect(stderr).toContain(`listening on ${topic}`);
    expect(stderr).toContain('skipping an invalid segment event');
  });

  it('subscribeToSegmentEvents retries a failing handler, dedupes by id and commits after the handler', async () => {
    const groupId = `t.${suffix}.plain`;
    const events = [segmentEvent('vip', 'p-v1'), segmentEvent('vip', 'p-v2')];
    await producer.send([...events, events[0]]);
    const seen: string[] = [];
    let failOnce = true;
    const subscription = await subscribeToSegmentEvents({
      brokers: KAFKA_BROKERS,
      groupId,
      topic,
      filter: { segment: 'vip' },
      onInvalid: () => undefined,
      kafka: { logLevel: logLevel.NOTHING }, // kafkajs would log the handler failure
      handler: async (event: SegmentEvent, context) => {
        expect(context.key).toBe(event.profileId);
        if (event.profileId === 'p-v2' && failOnce) {
          failOnce = false;
          throw new Error('CRM is down');
        }
        seen.push(event.id);
      },
    });
    try {
      await eventually(async () => seen.length === 2, 60000, 'both vip events');
      expect(seen.sort()).toEqual(events.map((e) => e.id).sort());
    } finally {
      await subscription.stop();
    }
    // the group's committed offsets cover the handled messages: a new member starts after them
    const again: string[] = [];
    const second = await subscribeToSegmentEvents({
      brokers: KAFKA_BROKERS,
      groupId,
      topic,
      filter: { segment: 'vip' },
      handler: (event) => {
        again.push(event.id);
      },
    });
    try {
      const late = segmentEvent('vip', 'p-v3');
      await producer.send([late]);
      await eventually(async () => again.includes(late.id), 60000, 'the new vip event');
      expect(again).toEqual([late.id]);
    } finally {
      await second.stop();
    }
  });

  it('@OnSegmentEvent gives a NestJS microservice typed, filtered events', async () => {
    const received: SegmentEvent[] = [];

    @Controller()
    class ChurnListener {
      @OnSegmentEvent({ topic, segment: 'churned', type: 'entered' })
      onChurned(event: SegmentEvent, context: KafkaContext): void {
        expect(context.getTopic()).toBe(topic);
        received.push(event);
      }
    }

    @Module({ controllers: [ChurnListener] })
    class ListenerModule {}

    const app: INestMicroservice = await NestFactory.createMicroservice(ListenerModule, {
      ...segmentEventsKafkaOptions({
        brokers: KAFKA_BROKERS,
        groupId: `t.${suffix}.nest`,
      }),
      logger: false,
    });
    await app.listen();
    try {
      const wanted = segmentEvent('churned', 'p-n1');
      await producer.send([
        segmentEvent('churned', 'p-n2', { type: 'segment.exited' }),
        segmentEvent('other', 'p-n3'),
        wanted,
      ]);
      // from the beginning of the topic: the two churned entries of the first test, and this one
      await eventually(async () => received.some((e) => e.id === wanted.id), 60000, 'the churned entry');
      await new Promise((r) => setTimeout(r, 500));
      expect(received.map((e) => e.profileId).sort()).toEqual(['p-ex1', 'p-ex3', 'p-n1']);
      expect(received.every((e) => e.type === 'segment.entered' && e.segment.id === 'churned')).toBe(true);
    } finally {
      await app.close();
    }
  });
});
