import { CancelledFailure, Context } from '@temporalio/activity';
import type { ConnectorRegistry } from '@sluice/connector-sdk';
import type { ChunkResult, PreparedTable, RangeInput, SyncTableInput } from '@sluice/workflows';
import { withSessions } from '../sessions';
import { compareCursor, stateForRun, streamOf, type SyncState } from './checkpoint';

/**
 * How long one chunk copies before it returns to the workflow with counts:
 * the grain of the job's progress. Short enough for live progress, long
 * enough that opening the sessions again costs little.
 */
export const CHUNK_MS = 3_000;
/** Heartbeats run on their own timer, so a slow batch still reports and still learns of a cancel. */
const HEARTBEAT_MS = 1_000;

/**
 * Copies from the checkpoint the destination holds: each batch is written
 * together with its new checkpoint in one destination transaction, so a
 * retried or resumed chunk never writes a row twice (append) and never
 * skips one. Stops after CHUNK_MS, at the end of the table, or on cancel
 * (the open batch rolls back; every connection is released).
 */
export async function copyChunk(
  registry: ConnectorRegistry,
  input: SyncTableInput & { target: PreparedTable['target']; range: RangeInput | null },
  chunkMs = CHUNK_MS,
): Promise<ChunkResult> {
  const ctx = Context.current();
  const { table, options } = input;
  const stream = streamOf(input, input.range);
  const started = Date.now();
  const result: ChunkResult = { rowsRead: 0, rowsWritten: 0, done: false };
  const beat = setInterval(() => ctx.heartbeat({ ...result }), HEARTBEAT_MS);
  try {
    return await withSessions(registry, [input.source, input.destination], async (src, dst) => {
      let state: SyncState = stateForRun(await dst.session.readCheckpoint(input.target, stream), input);
      result.rowsWritten = state.rows;
      if (state.done) return { ...result, done: true };
      const writer = await dst.session.openWriter(input.target, {
        columns: table.columns,
        mode: table.mode === 'upsert' ? 'upsert' : 'append',
        key: table.key,
        highPerformance: options.highPerformance,
        identityInsert: options.identityInsert,
      });
      const cursorIndex = table.cursorColumn ? table.columns.indexOf(table.cursorColumn) : -1;
      try {
        const batches = src.session.read(table.source, {
          columns: table.columns,
          key: table.key,
          after: state.after ?? input.range?.after ?? null,
          until: input.range?.until ?? null,
          since: table.cursorColumn && state.floor !== null ? { column: table.cursorColumn, value: state.floor } : null,
          batchSize: options.batchSize,
          signal: ctx.cancellationSignal,
        });
        let stoppedEarly = false;
        for await (const batch of batches) {
          if (ctx.cancellationSignal.aborted) break;
          result.rowsRead += batch.rows.length;
          let max = state.max;
          if (cursorIndex >= 0) for (const row of batch.rows) if (compareCursor(row[cursorIndex], max) > 0) max = row[cursorIndex];
          const next: SyncState = { ...state, after: batch.last, max, rows: state.rows + batch.rows.length };
          await writer.write(batch.rows, { stream, state: JSON.stringify(next) });
          state = next;
          result.rowsWritten = state.rows;
          if (ctx.cancellationSignal.aborted || Date.now() - started > chunkMs) {
            stoppedEarly = true;
            break;
          }
        }
        if (ctx.cancellationSignal.aborted) throw cancelled();
        if (!stoppedEarly) {
          // The read ended on its own: the table is done for this run.
          await dst.session.writeCheckpoint(input.target, stream, JSON.stringify({ ...state, done: true }));
          result.done = true;
        }
        return result;
      } catch (err) {
        // A driver aborted by the cancel reports its own error: the activity was cancelled.
        if (ctx.cancellationSignal.aborted) throw cancelled();
        throw err;
      } finally {
        await writer.close();
      }
    });
  } finally {
    clearInterval(beat);
  }
}

function cancelled(): CancelledFailure {
  return new CancelledFailure('Copy cancelled; the open batch was rolled back');
}
