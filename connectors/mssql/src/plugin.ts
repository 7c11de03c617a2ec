/** The plugin alone (no driver loaded until a session or test needs it): the entry a worker registers. */
export { mssqlConnector as default } from './mssql-connector';
