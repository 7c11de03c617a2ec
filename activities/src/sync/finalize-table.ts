import { Context } from '@temporalio/activity';
import type { ForeignKeySchema, IndexSchema } from '@sluice/connector-sdk';
import type { FinalizeResult, PreparedTable, SyncTableInput } from '@sluice/workflows';
import type { ConnectionResolver } from '../connections';
import { withSessions } from '../sessions';
import { compareCursor, streamOf, streamsOf, type SyncState } from './checkpoint';

/**
 * How often a finalize heartbeats while it runs. Building a large table's
 * primary key and indexes can take far longer than any fixed timeout would
 * allow; the heartbeat is what tells Temporal the build is still alive (and
 * a dead worker's finalize is retried after the workflow's heartbeatTimeout).
 */
export const FINALIZE_HEARTBEAT_MS = 10_000;

/**
 * Completed: puts a replace's staging table in place (readers never see a
 * half-empty table) and restores indexes, foreign keys and triggers.
 * Abandoned (failed or cancelled): restores the same, drops the staging table.
 */
export async function finalizeTable(
  connections: ConnectionResolver,
  input: SyncTableInput & { prepared: PreparedTable; outcome: 'completed' | 'abandoned' },
  heartbeatMs = FINALIZE_HEARTBEAT_MS,
): Promise<FinalizeResult> {
  const ctx = Context.current();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), heartbeatMs);
  try {
    return await finalize(connections, input);
  } finally {
    clearInterval(beat);
  }
}

function finalize(connections: ConnectionResolver, input: SyncTableInput & { prepared: PreparedTable; outcome: 'completed' | 'abandoned' }): Promise<FinalizeResult> {
  return withSessions(connections, [input.destination], async (dst) => {
    const d = dst.session;
    const { prepared, table } = input;
    const staging = table.mode === 'replace';
    let rowsWritten = 0;
    let max: unknown = null;
    for (const stream of streamsOf(input)) {
      const stored = await d.readCheckpoint(prepared.target, stream);
      const state = stored ? (JSON.parse(stored) as SyncState) : null;
      if (state?.runKey !== input.runKey) continue;
      rowsWritten += state.rows;
      if (compareCursor(state.max, max) > 0) max = state.max;
    }
    if (table.ranges && table.cursorColumn && input.outcome === 'completed' && !staging) {
      // A ranged full copy: the table's own stream carries the cursor the next incremental run starts from.
      const done: SyncState = { runKey: input.runKey, after: null, floor: null, max, rows: rowsWritten, done: true };
      await d.writeCheckpoint(table.destination, streamOf(input), JSON.stringify(done));
    }
    if (prepared.deferredPrimaryKey?.length) await d.addPrimaryKey!(prepared.target, prepared.deferredPrimaryKey);
    if (prepared.droppedIndexes.length) await d.restoreIndexes!(prepared.target, prepared.droppedIndexes as IndexSchema[]);
    if (prepared.droppedForeignKeys.length) await d.restoreForeignKeys!(prepared.target, prepared.droppedForeignKeys as ForeignKeySchema[]);
    if (prepared.triggersDisabled) await d.setTriggersEnabled!(prepared.target, true);
    await d.writeCheckpoint(prepared.target, `${streamOf(input)}#prepared`, null);
    if (staging && input.outcome === 'completed') {
      await d.swapTable!(prepared.target, table.destination);
      // The staging table's state moved with it; the destination's own stream state is that of this run.
      for (const stream of streamsOf(input)) await d.writeCheckpoint(table.destination, stream, null);
    } else if (staging) {
      await d.dropTable!(prepared.target);
    }
    return { rowsWritten };
  }, { last: true, alsoIdle: [input.source] });
}
