export * from './brand';
export * from './step-result';
