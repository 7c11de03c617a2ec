import { postgresConnector } from './postgres-connector';

export { postgresConnector } from './postgres-connector';
export { postgresConfigSchema, toClientConfig, type PostgresConfig } from './postgres-config';
export { classifyPostgresError } from './postgres-errors';
export { PostgresSession } from './postgres-session';
export { postgresTypes } from './postgres-types';
export default postgresConnector;
