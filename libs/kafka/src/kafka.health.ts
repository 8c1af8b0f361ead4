import type { HealthIndicator } from '@cdp/observability';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { KafkaSettings } from './kafka.settings';

/**
 * Ready when the cluster answers a metadata request. Uses its own admin connection
 * without retries so that a stopped broker is reported at once, and reconnects on the
 * next check after a failure.
 */
export class KafkaHealthIndicator implements HealthIndicator {
  readonly name = 'kafka';
  private admin: Admin | undefined;
  private readonly kafka: Kafka;

  constructor(settings: KafkaSettings) {
    this.kafka = new Kafka({
      clientId: `${settings.clientId}-health`,
      brokers: settings.brokers,
      connectionTimeout: Math.min(settings.connectionTimeoutMs, 1000),
      requestTimeout: 1500,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
  }

  async check(): Promise<void> {
    try {
      if (!this.admin) {
        this.admin = this.kafka.admin();
        await this.admin.connect();
      }
      const cluster = await this.admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('no brokers in cluster metadata');
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}
