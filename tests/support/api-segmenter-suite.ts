import type { ClickHouseClient } from '@cdp/clickhouse';
import { SegmentEventsReader, startSegmenter } from '../segmenter/segmenter-harness';
import { insertPeople, type Person } from './api-fixtures';
import { AdminClient, startApi } from './campaign-harness';
import { clickhouseFor, dropSuiteData, KafkaHarness } from './ingest-harness';
import type { ServiceProcess } from './service-process';

/**
 * The built api and the built segmenter on one isolated environment (`segmenterEnv` with the
 * admin token), fixture people in its ClickHouse database, and a reader of its segment events:
 * the set-up of the suites where the api publishes definitions and the segmenter backfills them.
 */
export class ApiSegmenterSuite {
  readonly segmentEvents: SegmentEventsReader;
  readonly ch: ClickHouseClient;
  private api?: ServiceProcess;
  private segmenter?: ServiceProcess;
  private client?: AdminClient;

  constructor(
    private readonly env: Record<string, string>,
    private readonly suffix: string,
  ) {
    this.segmentEvents = new SegmentEventsReader(env.TOPIC_SEGMENT_EVENTS, env.KAFKA_BROKERS);
    this.ch = clickhouseFor(env);
  }

  /** Starts the api, writes `people` (the default fixture when absent), starts the segmenter and the reader. */
  async start(people?: Person[]): Promise<void> {
    this.api = await startApi(this.env);
    this.client = new AdminClient(this.api.url(''));
    await insertPeople(this.ch, Date.now(), people);
    this.segmenter = await startSegmenter(this.env);
    await this.segmentEvents.start();
  }

  /** The api's admin client (after start). */
  get admin(): AdminClient {
    if (this.client === undefined) throw new Error('ApiSegmenterSuite.start() has not run');
    return this.client;
  }

  /** The segmenter's output so far (for failure messages). */
  segmenterOutput(): string {
    return this.segmenter?.output() ?? '';
  }

  /** Stops the reader and both services, then drops the suite's topics and database. */
  async stop(): Promise<void> {
    await this.segmentEvents.stop();
    await this.segmenter?.stop();
    await this.api?.stop();
    const kafka = new KafkaHarness(this.env.KAFKA_BROKERS);
    await dropSuiteData(kafka, this.ch, this.suffix, this.env.CLICKHOUSE_DATABASE);
  }
}
