export * from './brand';
export * from './events/canonical-event';
export * from './step-result';
