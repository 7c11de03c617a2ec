export { SluiceClient, type SluiceClientOptions } from './client';
export { jobStateOf } from './job-state';
export type { ApplicationMessage, ConnectionSpec, Job, JobState, JobType } from '@sluice/workflows';
