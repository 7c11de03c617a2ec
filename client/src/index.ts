export { SluiceClient, type JobSummary, type SluiceClientOptions } from './client';
export { jobStateOf } from './job-state';
export type { ScheduleSpec, ScheduleSummary } from './schedules';
export type { ApplicationMessage, ConnectionSpec, Job, JobState, JobType, SyncInput, SyncJob, SyncMode, SyncTableSelection, TableProgress } from '@sluice/workflows';
