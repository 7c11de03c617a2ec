export { SluiceClient, type JobSummary, type SluiceClientOptions } from './client';
export { jobStateOf } from './job-state';
export type { ApplicationMessage, ConnectionSpec, Job, JobState, JobType, SyncInput, SyncJob, SyncMode, SyncTableSelection, TableProgress } from '@sluice/workflows';
