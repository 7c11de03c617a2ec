export { SluiceClient, SyncPlanError, JobCursorError, type JobFilter, type JobSummary, type SluiceClientOptions } from './client';
export { jobStateOf } from './job-state';
export { RateWindow, rowsRemaining, syncRate, type SyncRate } from './job-rate';
export { checkSchedule, cronProblem, scheduleIdProblem, ScheduleSpecError, timezoneProblem, type ScheduleSpec, type ScheduleSummary } from './schedules';
export { checkConnectionSpec, checkJobFilter, checkJobId, checkName, checkSyncInput, checkWholeNumber, InvalidConnectionError, InvalidInputError, MAX_IDENTIFIER, MAX_NAME, MAX_URL, SYNC_LIMITS } from './input';
export type { ApplicationMessage, ConnectionSpec, Job, JobState, JobType, SyncInput, SyncJob, SyncMode, SyncTableSelection, TableProgress } from '@sluice/workflows';
export { CatalogApi, checkRefreshTarget, type RefreshTarget } from './catalog-api';
export { Catalog, CatalogError, CatalogCode, type Connection, type CreateConnectionInput, type UpdateConnectionInput, type DatabaseConnection, type SchemaConnection, type SchemaCacheStatus, type Page } from '@sluice/catalog';
export type { RefreshJob, DiscoveryCounts, SchemaRefreshCounts } from '@sluice/workflows';
export {
  temporalConnectionOptions,
  plainTemporalSettings,
  explainTemporalConnectError,
  TemporalConfigError,
  TemporalConnectError,
  type TemporalConnectionSettings,
  type ConnectFailureReason,
} from './temporal-config';
