export * from './run-service';
export * from './service-runtime.module';
export * from './startup.service';
export * from './retry';
export * from './settle';
