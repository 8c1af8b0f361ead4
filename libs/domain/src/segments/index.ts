export * from './segment-definition';
export * from './segment-event';
