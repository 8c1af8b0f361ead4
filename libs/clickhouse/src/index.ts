export * from './clickhouse.client';
export * from './clickhouse.health';
export * from './clickhouse.settings';
export * from './migrations-dir';
export * from './migrator';
export * from './sql';
export * from './segment-definition.row';
