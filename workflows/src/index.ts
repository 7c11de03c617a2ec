export * from './job-model';
export type { SluiceActivities } from './activity-contract';
export type { testConnectionWorkflow } from './test-connection';
