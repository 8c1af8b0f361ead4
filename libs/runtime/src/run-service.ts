import 'reflect-metadata';
import { BaseEnv, ConfigError, loadConfig } from '@cdp/config';
import { JsonLogger } from '@cdp/observability';
import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ServiceRuntimeModule } from './service-runtime.module';

export interface ServiceDefinition<E extends BaseEnv> {
  /** Service name, used in logs, metrics labels and the Kafka client id. */
  service: string;
  envClass: new () => E;
  /** The HTTP port (API, or metrics and health for workers). */
  port: (env: E) => number;
  /** The service's own feature module(s), given the validated config. */
  imports: (env: E) => (DynamicModule | (new (...args: never[]) => unknown))[];
  /**
   * Whether Nest registers its default JSON and urlencoded body parsers (100 kB limit).
   * Default true; a service that reads request bodies itself (the collector) sets false.
   */
  bodyParser?: boolean;
  /**
   * Optional: runs once the Nest application is created, before it listens; e.g. to attach a
   * microservice transport with `app.connectMicroservice(...)` (the campaign service does).
   */
  configure?: (app: INestApplication, env: E) => void | Promise<void>;
}

/** Root module of a service process; its imports are filled in by runService. */
class ServiceModule {}

/** Validates config (exit 1 with one line naming each bad variable), boots Nest, listens, and shuts down gracefully. */
export async function runService<E extends BaseEnv>(def: ServiceDefinition<E>): Promise<void> {
  let env: E;
  try {
    env = loadConfig(def.envClass);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'fatal', service: def.service, msg: e.message })}\n`,
    );
    process.exit(1);
  }
  const logger = new JsonLogger(def.service, env.LOG_LEVEL);

  const root: DynamicModule = {
    module: ServiceModule,
    imports: [ServiceRuntimeModule.forRoot({ service: def.service, env, logger }), ...def.imports(env)],
  };
  const app = await NestFactory.create(root, {
    logger,
    bufferLogs: false,
    abortOnError: false,
    bodyParser: def.bodyParser ?? true,
  });
  try {
    await def.configure?.(app, env);
  } catch (e) {
    logger.fatal({ msg: `configure failed: ${e instanceof Error ? e.message : String(e)}` }, 'Lifecycle');
    process.exit(1);
  }

  // Graceful shutdown: stop taking HTTP requests, let every module finish its work (consumers
  // finish and commit their batch in beforeApplicationShutdown), close connections, exit 0.
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.log({ msg: `received ${signal}, shutting down`, timeoutMs: env.SHUTDOWN_TIMEOUT_MS }, 'Lifecycle');
    setTimeout(() => {
      logger.error(
        { msg: `shutdown did not finish within ${env.SHUTDOWN_TIMEOUT_MS} ms, exiting` },
        'Lifecycle',
      );
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS).unref();
    app.close().then(
      () => {
        logger.log({ msg: 'shutdown complete' }, 'Lifecycle');
        process.exit(0);
      },
      (e: unknown) => {
        logger.error({ msg: 'shutdown failed', err: String(e) }, 'Lifecycle');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  const port = def.port(env);
  const host = env.HTTP_HOST;
  try {
    await app.listen(port, host);
  } catch (e) {
    logger.fatal(
      { msg: `cannot listen on ${host}:${port}: ${e instanceof Error ? e.message : String(e)}` },
      'Lifecycle',
    );
    await app.close().catch(() => undefined);
    process.exit(1);
  }
  logger.log({ msg: `${def.service} listening on http://${host}:${port}`, port }, 'Lifecycle');
}
