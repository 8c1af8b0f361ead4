export * from './brand';
export * from './events/canonical-event';
export * from './step-result';
export * from './identity';
