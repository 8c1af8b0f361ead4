import { loadConfig } from '@cdp/config';
import { ensureTopics, KafkaClient, kafkaSettingsFromEnv } from '@cdp/kafka';
import { JsonLogger, MetricsService } from '@cdp/observability';
import { SegmentDefinitionsRegistry } from '../../apps/segmenter/src/definitions/segment-definitions.registry';
import { SegmenterEnv } from '../../apps/segmenter/src/segmenter.env';
import { SegmenterMetrics } from '../../apps/segmenter/src/segmenter.metrics';
import { uniqueSuffix } from '../support/test-env';
import { definition, definitionsPublisher, segmenterEnv } from './segmenter-harness';

/**
 * The definitions registry against the real broker. A start that fails (here: the definitions
 * topic is not there yet, as on a fresh cluster whose partition leaders are not elected) must
 * leave nothing behind, so that the start-up retry reads the topic for real.
 */
describe('segment definitions registry', () => {
  const suffix = uniqueSuffix();
  const raw = segmenterEnv(suffix);
  const env = loadConfig(SegmenterEnv, raw);
  const logger = new JsonLogger('segmenter-test', 'fatal', { write: () => undefined });
  const kafka = new KafkaClient(kafkaSettingsFromEnv(env, `e2e-${suffix}`), logger);
  const registry = new SegmentDefinitionsRegistry(
    kafka,
    env,
    new SegmenterMetrics(new MetricsService('segmenter-test')),
    logger,
  );
  const admin = kafka.admin();
  const topic = kafka.settings.topics.segments;

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await registry.stop();
    const topics = (await admin.listTopics()).filter((t) => t.includes(suffix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
    await kafka.onApplicationShutdown();
  });

  it('reads the definitions after a failed first start is retried', async () => {
    await expect(registry.start()).rejects.toThrow();

    await ensureTopics(admin, [{ topic, numPartitions: 2, replicationFactor: 1 }]);
    const publisher = definitionsPublisher(raw);
    await publisher.publish(definition('buyers', { event: 'Order Completed', count: { gte: 1 } }));
    await publisher.close();

    await registry.start();
    expect([...registry.all().keys()]).toEqual(['buyers']);
  });
});
