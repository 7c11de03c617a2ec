import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  workflowInfo,
  ActivityCancellationType,
} from '@temporalio/workflow';
import type { SluiceActivities } from './activity-contract';
import { tableProgressSignal } from './sync-signals';
import { runBounded } from './bounded';
import type { PreparedTable, RangeInput, SyncTableInput, TableCounters, TableProgress, TableState } from './sync-model';

const { prepareTable } = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { maximumAttempts: 5 },
});
// The same, but a cancel waits for the prepare to end: it claims the destination table, and the claim is
// given back after it (a claim made after an early give-back would hold the table for a minute).
const { prepareTable: prepareTableAwaited } = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { maximumAttempts: 5 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});
const { releaseTable } = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});
/** Patch id: histories from before it left a table claimed by a prepare whose run was cancelled or failed before it returned. */
const RELEASE_UNPREPARED = 'release-claim-unprepared';
// Building a large table's primary key and indexes can run for hours: the finalize heartbeats
// (every 10 s) while it runs, so a live build is never timed out and a dead worker's is retried soon.
const { finalizeTable } = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

// A chunk copies for ~3 s, then returns; the heartbeat (every second) carries progress and brings cancellation.
// Never dispatched eagerly: the worker that ran this workflow's task would take every chunk it
// schedules (all lanes of a table on one worker, its peers idle); through the task queue the
// lanes spread over every worker that polls it.
const chunkOptions = {
  allowEagerDispatch: false,
  startToCloseTimeout: '10 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '200 milliseconds', maximumInterval: '30 seconds', maximumAttempts: 20 },
} as const;
/**
 * A dead worker's chunk is retried elsewhere after this long without a heartbeat. 5 s where the
 * destination fences checkpoints (a slow-not-dead attempt cannot commit again); 10 s elsewhere,
 * so that only a really silent attempt is given up.
 */
const { copyChunk: copyChunkFenced } = proxyActivities<SluiceActivities>({ ...chunkOptions, heartbeatTimeout: '5 seconds' });
const { copyChunk: copyChunkUnfenced } = proxyActivities<SluiceActivities>({ ...chunkOptions, heartbeatTimeout: '10 seconds' });

const REPORT_EVERY_MS = 5_000;
/** Patch id: histories from before it ran a completed table's finalize in the cancellable scope. */
const FINALIZE_NOT_CANCELLABLE = 'finalize-completed-not-cancellable';

export const tableLabel = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

/**
 * One table of a SYNC job: prepare the destination, copy chunk after chunk
 * from the checkpoints the destination holds (one lane per key range of a
 * large table, in parallel), finalize. Continues as new when its history
 * grows; reports progress to the parent sync.
 */
export async function syncTableWorkflow(input: SyncTableInput): Promise<TableProgress> {
  const counters: TableCounters = { rowsRead: input.carried?.rowsRead ?? 0, rowsWritten: input.carried?.rowsWritten ?? 0 };
  let prepared: PreparedTable | undefined = input.carried?.prepared;
  const progress = (state: TableState, message: string | null = null): TableProgress => ({
    table: tableLabel(input.table.source),
    state,
    rowEstimate: input.table.rowEstimate,
    message,
    ...counters,
    rowsRead: Math.max(counters.rowsRead, counters.rowsWritten),
  });
  let lastReport = 0;
  let releasesClaim = false;
  try {
    releasesClaim = !prepared && patched(RELEASE_UNPREPARED);
    prepared ??= await (releasesClaim ? prepareTableAwaited : prepareTable)(input);
    const target = prepared.target;
    const ranges: (RangeInput | null)[] = input.table.ranges?.map((r, index) => ({ ...r, index })) ?? [null];
    const writtenByRange = new Map<number, number>();
    let continueFresh = false;
    // One lane per key range; the first failure cancels the others.
    await runBounded(ranges, ranges.length, async (range) => {
      for (;;) {
        const copyChunk = input.options.fencedCheckpoints ? copyChunkFenced : copyChunkUnfenced;
        const chunk = await copyChunk({ ...input, target, range });
        counters.rowsRead += chunk.rowsRead;
        writtenByRange.set(range?.index ?? 0, chunk.rowsWritten);
        counters.rowsWritten = [...writtenByRange.values()].reduce((a, b) => a + b, 0);
        // A failed attempt's reads are not reported, its committed rows are: rows read never trail rows written.
        counters.rowsRead = Math.max(counters.rowsRead, counters.rowsWritten);
        // At most one progress signal per REPORT_EVERY_MS: each is an event in the parent's history.
        if (!chunk.done && Date.now() - lastReport >= REPORT_EVERY_MS) {
          lastReport = Date.now();
          await report(progress('RUNNING'));
        }
        if (chunk.done) return;
        // History grows with every chunk: let the lanes drain, then continue as new (checkpoints live in the destination).
        if (continueFresh || workflowInfo().continueAsNewSuggested) {
          continueFresh = true;
          return;
        }
      }
    });
    if (continueFresh) await continueAsNew<typeof syncTableWorkflow>({ ...input, carried: { ...counters, prepared } });
    // Every row is in: a cancel now waits for the finalize instead of racing an abandoned one on the
    // same table (that would rebuild the same keys and indexes, or drop a staging table mid-swap).
    const finalizeCompleted = () => finalizeTable({ ...input, prepared: prepared!, outcome: 'completed' });
    const finalized = patched(FINALIZE_NOT_CANCELLABLE) ? await CancellationScope.nonCancellable(finalizeCompleted) : await finalizeCompleted();
    counters.rowsWritten = finalized.rowsWritten;
    const done: TableProgress = {
      ...progress('COMPLETED'),
      ...(finalized.verification ? { verification: finalized.verification } : {}),
      ...(finalized.warnings?.length || input.table.warnings?.length ? { warnings: [...(input.table.warnings ?? []), ...(finalized.warnings ?? [])] } : {}),
    };
    await report(done);
    return done;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    await CancellationScope.nonCancellable(async () => {
      // The rows committed before the failure or cancel, as the destination's checkpoint counts them.
      if (prepared) counters.rowsWritten = (await finalizeTable({ ...input, prepared, outcome: 'abandoned' })).rowsWritten;
      else if (releasesClaim) await releaseTable({ destination: input.destination, table: input.table.destination, runKey: input.runKey });
      await report(progress(isCancellation(err) ? 'CANCELED' : 'ERROR', errorMessage(err)));
    });
    throw err;
  }
}

async function report(progress: TableProgress): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent) return;
  try {
    await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(tableProgressSignal, progress);
  } catch {
    // The parent is gone (terminated): the table's own result still tells.
  }
}

/** The deepest cause's message: the connector's words, not "Activity task failed". */
export function errorMessage(err: unknown): string {
  if (err instanceof ApplicationFailure) return err.message;
  let e = err as { message?: string; cause?: unknown } | undefined;
  let message = e?.message ?? String(err);
  while (e?.cause) {
    e = e.cause as { message?: string; cause?: unknown };
    if (e.message) message = e.message;
  }
  return message;
}
