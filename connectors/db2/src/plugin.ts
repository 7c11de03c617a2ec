/** The plugin alone (no driver loaded until a session or test needs it): the entry a worker registers. */
export { db2Connector as default } from './db2-connector';
