export * from './base.env';
export * from './config-error';
export * from './load-config';
export * from './validators';
export * from './local-defaults';
