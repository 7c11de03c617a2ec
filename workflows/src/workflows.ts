// The workflow bundle's entry: workflow functions only.
export { testConnectionWorkflow } from './test-connection';
