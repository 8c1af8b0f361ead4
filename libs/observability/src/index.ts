export * from './health.service';
export * from './json-logger';
export * from './metrics.service';
export * from './observability.module';
