export * from './brand';
export * from './events';
export * from './identity';
export * from './rules';
export * from './step-result';
export * from './traits';
