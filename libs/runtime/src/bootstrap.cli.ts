import 'reflect-metadata';
import {
  ClickHouseClient,
  clickHouseSettingsFromEnv,
  defaultMigrationsDir,
  loadMigrations,
  migrate,
} from '@cdp/clickhouse';
import { BaseEnv, ConfigError, loadConfig } from '@cdp/config';
import { contractTopicSpecs, ensureTopics, KafkaClient, kafkaSettingsFromEnv } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';

/**
 * Schema and topic bootstrap as a command (the services also run it at start-up):
 *   node dist/libs/runtime/src/bootstrap.cli.js migrate   apply pending ClickHouse migrations
 *   node dist/libs/runtime/src/bootstrap.cli.js topics    create missing contract topics
 *   node dist/libs/runtime/src/bootstrap.cli.js [all]     both
 * Configured by the same environment variables as the services.
 */
async function main(): Promise<number> {
  const what = process.argv[2] ?? 'all';
  if (!['all', 'migrate', 'topics'].includes(what)) {
    process.stderr.write(`usage: bootstrap [all|migrate|topics] (got ${what})\n`);
    return 2;
  }
  let env: BaseEnv;
  try {
    env = loadConfig(BaseEnv);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'bootstrap', msg: e.message })}\n`);
    return 1;
  }
  const logger = new JsonLogger('bootstrap', env.LOG_LEVEL);
  if (what !== 'topics') {
    const clickhouse = new ClickHouseClient(clickHouseSettingsFromEnv(env, 'cdp-bootstrap'));
    try {
      const db = env.CLICKHOUSE_DATABASE;
      const result = await migrate(clickhouse.server(), db, loadMigrations(defaultMigrationsDir(), db), {
        info: (msg, fields) => logger.log({ msg, ...fields }, 'Migrations'),
      });
      logger.log(
        {
          msg: 'migrations done',
          database: db,
          applied: result.applied.length,
          alreadyApplied: result.alreadyApplied,
        },
        'Migrations',
      );
    } finally {
      await clickhouse.close();
    }
  }
  if (what !== 'migrate') {
    const kafka = new KafkaClient(kafkaSettingsFromEnv(env, `${env.KAFKA_CLIENT_ID}-bootstrap`), logger);
    const admin = kafka.admin();
    try {
      await admin.connect();
      const s = kafka.settings;
      const created = await ensureTopics(
        admin,
        contractTopicSpecs(s.topics, s.partitions, s.replicationFactor),
      );
      logger.log({ msg: 'topics done', created }, 'Topics');
    } finally {
      await kafka.onApplicationShutdown();
    }
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', service: 'bootstrap', msg: e instanceof Error ? e.message : String(e) })}\n`,
    );
    process.exit(1);
  },
);
