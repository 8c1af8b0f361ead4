import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { CollectorEnv } from './collector.env';
import { CollectorMetrics } from './collector.metrics';
import { CorsMiddleware } from './cors.middleware';
import { RawWebProducer } from './raw-web.producer';
import { RawWebPublisher } from './raw-web.publisher';
import { TrackingController } from './tracking.controller';
import { TrackingIngestService } from './tracking-ingest.service';
import { WriteKeyAuthenticator } from './write-key.authenticator';
import { parseWriteKeys } from './write-keys';

/** The collector service's own providers and controllers (the shared runtime comes from runService). */
@Module({
  controllers: [TrackingController],
  providers: [
    TrackingIngestService,
    CollectorMetrics,
    { provide: RawWebPublisher, useClass: RawWebProducer },
    {
      provide: WriteKeyAuthenticator,
      useFactory: (env: CollectorEnv) => {
        const parsed = parseWriteKeys(env.COLLECTOR_WRITE_KEYS);
        // Validated at start-up (CollectorEnv), so this cannot fail.
        if (!parsed.ok) throw new Error(`COLLECTOR_WRITE_KEYS ${parsed.problem}`);
        return new WriteKeyAuthenticator(parsed.keys);
      },
      inject: [CollectorEnv],
    },
  ],
})
export class CollectorModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorsMiddleware).forRoutes({ path: 'v1/*path', method: RequestMethod.ALL });
  }
}
