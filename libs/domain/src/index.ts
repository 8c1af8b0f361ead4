export * from './brand';
export * from './events';
export * from './identity';
export * from './step-result';
