import { DynamicModule, Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { HealthService } from './health.service';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { JsonLogger } from './json-logger';
import { MetricsService } from './metrics.service';
import { ObservabilityController } from './observability.controller';

export interface ObservabilityOptions {
  logger: JsonLogger;
  healthTimeoutMs: number;
}

/** Metrics registry, health aggregation and the JSON logger, shared by every module of a service. */
@Global()
@Module({})
export class ObservabilityModule implements NestModule {
  static forRoot(service: string, options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [ObservabilityController],
      providers: [
        { provide: MetricsService, useValue: new MetricsService(service) },
        { provide: HealthService, useValue: new HealthService(options.healthTimeoutMs) },
        { provide: JsonLogger, useValue: options.logger },
        HttpMetricsMiddleware,
      ],
      exports: [MetricsService, HealthService, JsonLogger],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
