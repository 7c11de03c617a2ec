export * from './job-model';
export * from './sync-model';
export type { SluiceActivities } from './activity-contract';
export type { testConnectionWorkflow } from './test-connection';
export type { syncWorkflow } from './sync';
export type { syncTableWorkflow } from './sync-table';
export * from './refresh-model';
export type { refreshDatabasesWorkflow, refreshSchemasWorkflow, refreshSchemaWorkflow } from './refresh';
