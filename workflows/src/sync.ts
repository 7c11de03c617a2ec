import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
  ParentClosePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { SluiceActivities } from './activity-contract';
import { runBounded } from './bounded';
import { jobQuery } from './job-query';
import { JobType } from './job-model';
import { tableProgressSignal } from './sync-signals';
import { errorMessage, syncTableWorkflow, tableLabel } from './sync-table';
import type { SyncInput, SyncJob, TableProgress } from './sync-model';

const { planSync } = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 5 },
});
// Foreign keys validate every row and views may be materialized: like a finalize, hours on a large schema.
const { prepareSchema, finishSchema } = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '24 hours',
  retry: { maximumAttempts: 5 },
});

/** Patch id: histories from before it had no schema step before and after the tables. */
const SCHEMA_PHASES = 'schema-phases';

/**
 * SYNC: plan (capability check before any row moves), then one child
 * workflow per table, a bounded number at a time. Answers the Job object
 * with counters through the `job` query at any time.
 */
export async function syncWorkflow(input: SyncInput): Promise<SyncJob> {
  const info = workflowInfo();
  const job: SyncJob = {
    id: info.workflowId,
    type: JobType.SYNC,
    state: 'RUNNING',
    progressPercentage: 0,
    startDate: new Date(info.startTime).toISOString(),
    endDate: null,
    message: null,
    tablesDone: 0,
    tablesTotal: 0,
    rowsRead: 0,
    rowsWritten: 0,
    tables: [],
  };
  const replaceModes = new Set<string>();
  setHandler(jobQuery, () => job);
  setHandler(tableProgressSignal, (p) => {
    const i = job.tables.findIndex((t) => t.table === p.table);
    if (i >= 0) job.tables[i] = p;
    summarize(job);
  });
  // Cancel requested: clean-up (rollback, restore, release) runs in the children; show it.
  CancellationScope.current().cancelRequested.catch(() => {
    if (job.state === 'RUNNING') job.state = 'CANCELING';
    job.message = 'Cancel requested: stopping tables, rolling back open batches';
  });

  try {
    const plan = await planSync(input);
    for (const t of plan.tables) if (t.mode === 'replace') replaceModes.add(tableLabel(t.source));
    job.tablesTotal = plan.tables.length;
    if (plan.skipped?.length) job.skipped = [...plan.skipped];
    job.tables = plan.tables.map((t) => ({
      table: tableLabel(t.source),
      state: 'WAITING',
      rowEstimate: t.rowEstimate,
      message: null,
      rowsRead: 0,
      rowsWritten: 0,
    }));
    summarize(job);
    const schemaPhases = patched(SCHEMA_PHASES);
    if (schemaPhases && plan.tables.some((t) => t.createTable)) {
      await prepareSchema({ source: input.source, destination: input.destination, plan, runKey: info.workflowId });
    }
    await runBounded(plan.tables, input.maxParallelTables ?? 4, async (table) => {
      const label = tableLabel(table.source);
      setTable(job, label, { state: 'RUNNING' });
      let result: TableProgress;
      try {
        result = await executeChild(syncTableWorkflow, {
          // Named after the destination table: a second job writing the same table cannot start it meanwhile.
          workflowId: tableWorkflowId(input.destination, table.destination),
          args: [{ source: input.source, destination: input.destination, table, options: plan.options, runKey: info.workflowId }],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          staticSummary: `Sync table ${label} → ${tableLabel(table.destination)} (${table.mode})`,
        });
      } catch (thrown) {
        const err =
          thrown instanceof WorkflowExecutionAlreadyStartedError
            ? ApplicationFailure.nonRetryable(`${thrown.workflowId}: another job is syncing into that table right now; run again when it ends`, 'TABLE_BUSY')
            : thrown;
        // The table's own signal may not have come (a terminated child): its row must not stay RUNNING.
        const t = job.tables.find((x) => x.table === label);
        if (t && (t.state === 'RUNNING' || t.state === 'WAITING')) {
          setTable(job, label, { state: isCancellation(err) ? 'CANCELED' : 'ERROR', message: errorMessage(err) });
        }
        throw err;
      }
      setTable(job, label, result);
    });
    if (schemaPhases && (plan.tables.some((t) => t.createTable) || input.schema)) {
      const schema = await finishSchema({ source: input.source, destination: input.destination, plan, runKey: info.workflowId, schema: input.schema });
      job.schemaObjects = schema.created;
      job.skipped = [...(job.skipped ?? []), ...schema.skipped];
    }
    const warnings = job.tables.reduce((n, t) => n + (t.warnings?.length ?? 0), 0) + (job.skipped?.length ?? 0);
    finish(
      job,
      'COMPLETED',
      `Synced ${job.tablesTotal} table(s), ${job.rowsWritten} row(s) written` +
        (job.schemaObjects?.length ? `, ${job.schemaObjects.length} foreign key(s)/view(s)/routine(s) created` : '') +
        (warnings ? `; ${warnings} warning(s): see tables[].warnings and skipped` : ''),
    );
    return job;
  } catch (err) {
    if (isCancellation(err)) {
      // A replace loads a staging table: cancelled, it is dropped and the destination table is as it was.
      const replaced = job.tables.some((t) => replaceModes.has(t.table));
      finish(
        job,
        'CANCELED',
        `Canceled; ${job.rowsWritten} row(s) committed in whole batches` +
          (replaced ? ' (tables in replace mode keep their previous rows: the staging tables were dropped)' : ''),
      );
    } else {
      finish(job, 'ERROR', failureMessage(job, err));
    }
    throw err;
  }
}

/** `sync-table-<destination hash>-<schema.table>`: one running copy per destination table. */
function tableWorkflowId(destination: SyncInput['destination'], table: { schema: string; name: string }): string {
  const where =
    'connectionId' in destination
      ? `catalog:${destination.connectionId}`
      : 'sealed' in destination
      ? destination.key // the opaque id of where it points: sealed specs of one destination share it
      : 'url' in destination
      ? destination.url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/]*@/i, '$1@').replace(/\?.*$/, '')
      : ['connector_type', 'host', 'port', 'database'].map((k) => String(destination.config[k])).join('|');
  return `sync-table-${fnv1a(where)}-${tableLabel(table)}`.slice(0, 255);
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/**
 * The job's message on failure: the first failed table's own error in words (the deepest cause:
 * the connector's message, not "Activity task failed" or "Child Workflow execution failed").
 */
function failureMessage(job: SyncJob, err: unknown): string {
  const failed = job.tables.find((t) => t.state === 'ERROR' && t.message);
  if (failed) return `Table ${failed.table}: ${failed.message}`;
  return errorMessage(err);
}

function setTable(job: SyncJob, label: string, change: Partial<TableProgress>): void {
  const i = job.tables.findIndex((t) => t.table === label);
  if (i >= 0) job.tables[i] = { ...job.tables[i]!, ...change };
  summarize(job);
}

function summarize(job: SyncJob): void {
  job.rowsRead = job.tables.reduce((n, t) => n + t.rowsRead, 0);
  job.rowsWritten = job.tables.reduce((n, t) => n + t.rowsWritten, 0);
  job.tablesDone = job.tables.filter((t) => t.state === 'COMPLETED').length;
  if (job.tablesTotal > 0) {
    // Tables weigh by their estimated rows (a table without an estimate as one row): 89,000 of
    // 1,001,000 rows written is 8 %, not the 54 % of one small table done out of two.
    const weight = (t: TableProgress) => Math.max(1, t.rowEstimate ?? 0);
    const total = job.tables.reduce((sum, t) => sum + weight(t), 0);
    const done = job.tables.reduce((sum, t) => {
      if (t.state === 'COMPLETED') return sum + weight(t);
      if (!t.rowEstimate || t.rowEstimate <= 0) return sum;
      return sum + weight(t) * Math.min(0.99, t.rowsWritten / t.rowEstimate);
    }, 0);
    job.progressPercentage = Math.min(job.state === 'COMPLETED' ? 100 : 99, Math.floor((done / total) * 100));
  }
  setCurrentDetails(
    `**${job.state}** ${job.progressPercentage}% — ${job.tablesDone}/${job.tablesTotal} tables, ` +
      `${job.rowsWritten} rows written\n\n` +
      job.tables.map((t) => `- ${t.table}: ${t.state}, ${t.rowsWritten} written${t.rowEstimate ? ` of ~${t.rowEstimate}` : ''}`).join('\n'),
  );
}

function finish(job: SyncJob, state: SyncJob['state'], message: string): void {
  job.state = state;
  job.message = message;
  job.endDate = new Date().toISOString();
  if (state === 'COMPLETED') job.progressPercentage = 100;
  summarize(job);
}
