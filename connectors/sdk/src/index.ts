export * from './config';
export * from './connector';
export * from './errors';
export * from './functionalities';
export * from './messages';
export * from './redact';
export * from './registry';
export * from './url';
