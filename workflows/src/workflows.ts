// The workflow bundle's entry: workflow functions only.
export { testConnectionWorkflow } from './test-connection';
export { syncWorkflow } from './sync';
export { syncTableWorkflow } from './sync-table';
export { refreshDatabasesWorkflow, refreshSchemasWorkflow, refreshSchemaWorkflow } from './refresh';
