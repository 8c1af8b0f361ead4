export * from './coordinator-cache';
export * from './kafka-log';
export * from './kafka.client';
export * from './kafka.health';
export * from './kafka.settings';
export * from './topic-bootstrap';
export * from './topics';
export * from './offsets';
