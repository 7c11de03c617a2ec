export * from './connectors';
export * from './env';
export * from './fault-guard';
export * from './heap';
export * from './http';
export * from './logging';
export * from './metrics';
export * from './worker';
export { workflowSource, WORKFLOW_BUNDLE_PATH } from './workflow-bundle';
