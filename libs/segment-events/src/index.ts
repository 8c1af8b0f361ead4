export * from './parse-segment-event';
export * from './segment-event';
export * from './segment-event-deduper';
export * from './segment-event-filter';
export * from './subscribe';
