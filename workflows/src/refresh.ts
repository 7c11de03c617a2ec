import { ApplicationFailure, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SluiceActivities } from './activity-contract';
import { JobType } from './job-model';
import { jobQuery } from './job-query';
import type { DiscoveryCounts, RefreshDatabasesInput, RefreshJob, RefreshSchemaInput, RefreshSchemasInput, SchemaRefreshCounts } from './refresh-model';

const discovery = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

/** Introspection of a large schema writes to the catalog in batches and heartbeats each. */
const introspection = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 3 },
});

export async function refreshDatabasesWorkflow(input: RefreshDatabasesInput): Promise<DiscoveryCounts> {
  return tracked(JobType.REFRESH_DATABASES, async () => {
    const counts = await discovery.refreshDatabases(input);
    return { counts, message: `${counts.seen} database(s): ${counts.added} new, ${counts.relinked} back, ${counts.unlinked} gone` };
  });
}

export async function refreshSchemasWorkflow(input: RefreshSchemasInput): Promise<DiscoveryCounts> {
  return tracked(JobType.REFRESH_SCHEMAS, async () => {
    const counts = await discovery.refreshSchemas(input);
    return { counts, message: `${counts.seen} schema(s): ${counts.added} new, ${counts.relinked} back, ${counts.unlinked} gone` };
  });
}

export async function refreshSchemaWorkflow(input: RefreshSchemaInput): Promise<SchemaRefreshCounts> {
  return tracked(JobType.REFRESH_SCHEMA, async () => {
    const counts = await introspection.refreshSchema({ ...input, jobId: workflowInfo().workflowId });
    return { counts, message: `${counts.tables} table(s), ${counts.columns} column(s) in ${counts.schemas} schema(s) cached` };
  });
}

/** Runs a refresh step, answering the `job` query with state and counts throughout. */
async function tracked<C extends DiscoveryCounts | SchemaRefreshCounts>(type: JobType, run: () => Promise<{ counts: C; message: string }>): Promise<C> {
  const job: RefreshJob = {
    id: workflowInfo().workflowId,
    type,
    state: 'RUNNING',
    progressPercentage: 0,
    startDate: new Date(workflowInfo().startTime).toISOString(),
    endDate: null,
    message: null,
    counts: null,
  };
  setHandler(jobQuery, () => job);
  const end = (state: RefreshJob['state'], message: string) => Object.assign(job, { state, message, endDate: new Date().toISOString() });
  try {
    const { counts, message } = await run();
    Object.assign(job, { counts, progressPercentage: 100 });
    end('COMPLETED', message);
    return counts;
  } catch (err) {
    if (isCancellation(err)) {
      end('CANCELED', 'cancelled');
      throw err;
    }
    const cause = err instanceof ApplicationFailure ? err : (err as { cause?: unknown }).cause;
    end('ERROR', cause instanceof Error ? cause.message : String(err));
    throw err;
  }
}
