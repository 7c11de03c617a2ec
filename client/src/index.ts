export { SluiceClient, SyncPlanError, JobCursorError, type JobFilter, type JobSummary, type SluiceClientOptions } from './client';
export { jobStateOf } from './job-state';
export { cronProblem, ScheduleSpecError, type ScheduleSpec, type ScheduleSummary } from './schedules';
export type { ApplicationMessage, ConnectionSpec, Job, JobState, JobType, SyncInput, SyncJob, SyncMode, SyncTableSelection, TableProgress } from '@sluice/workflows';
export { CatalogApi, type RefreshTarget } from './catalog-api';
export { Catalog, CatalogError, CatalogCode, type Connection, type CreateConnectionInput, type UpdateConnectionInput, type DatabaseConnection, type SchemaConnection, type SchemaCacheStatus, type Page } from '@sluice/catalog';
export type { RefreshJob, DiscoveryCounts, SchemaRefreshCounts } from '@sluice/workflows';
