export * from './dev-server';
export * from './embedded';
export { freePort, isListening } from './ports';
export { findTemporalCli, stateDir } from './temporal-cli';
