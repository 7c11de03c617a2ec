/** The plugin alone (no driver loaded until a session or test needs it): the entry a worker registers. */
export { postgresConnector as default } from './postgres-connector';
