import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ConnectorSession, ForeignKeySchema, IndexSchema } from '@sluice/connector-sdk';
import type { FinalizeResult, PreparedTable, SyncTableInput, TableVerification } from '@sluice/workflows';
import type { ConnectionResolver } from '../connections';
import { withSessions, type OpenedConnection } from '../sessions';
import { compareCursor, streamOf, streamsOf, type SyncState } from './checkpoint';
import { loadTableDdl, tableName } from './table-ddl';
import { claimTable, LEASE_MS, releaseTable } from './table-lease';

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

/**
 * Where the run owns the table's rows (it created the table, or a replace loaded its staging
 * table), the destination must hold exactly the rows the run's checkpoints say it wrote: a row
 * the destination dropped, merged or renumbered fails the table here instead of completing it.
 */
async function verifyCount(
  connections: ConnectionResolver,
  dst: OpenedConnection,
  input: SyncTableInput & { prepared: PreparedTable },
  written: number,
): Promise<TableVerification | undefined> {
  const { table, options, prepared } = input;
  const d = dst.session;
  const owned = table.createTable || table.mode === 'replace';
  if (!owned || options.verify === 'none' || !d.countRows) return undefined;
  const actual = await d.countRows(prepared.target);
  const verification: TableVerification = { method: 'count', expected: written, actual, ok: actual === written };
  if (verification.ok && options.verify === 'checksum') Object.assign(verification, await compareChecksums(connections, input, dst));
  if (!verification.ok) {
    throw ApplicationFailure.create({
      type: 'VERIFY_FAILED',
      nonRetryable: true,
      message:
        verification.method === 'checksum'
          ? `destination ${tableName(table.destination)} differs from the source: checksum ${verification.checksumDestination} over ${verification.actual} row(s), ` +
            `source ${verification.checksumSource} over ${verification.expected} (a value changed on the way, or the source changed during the copy)`
          : `destination ${tableName(table.destination)} holds ${actual} row(s) after the copy, but ${written} were written: ` +
            'the destination dropped, merged or renumbered rows (a trigger, a key it rewrites, a duplicate key)',
      details: [verification],
    });
  }
  return verification;
}

/**
 * `--verify checksum`: the engine's own order-independent checksum of the copied columns on both
 * sides (same engine only: another engine's checksum of the same values differs). The source is
 * read as it is now: a source written to during the copy differs, and fails the check.
 */
async function compareChecksums(
  connections: ConnectionResolver,
  input: SyncTableInput & { prepared: PreparedTable },
  dst: OpenedConnection,
): Promise<Partial<TableVerification>> {
  const d = dst.session;
  if (!d.checksum) return {};
  return withSessions(connections, [input.source], async (src) => {
    if (!src.session.checksum || src.plugin.type !== dst.plugin.type) return {};
    const [source, destination] = await Promise.all([
      src.session.checksum!(input.table.source, input.table.columns),
      d.checksum!(input.prepared.target, input.table.columns),
    ]);
    return {
      method: 'checksum' as const,
      expected: source.rows,
      actual: destination.rows,
      checksumSource: source.checksum,
      checksumDestination: destination.checksum,
      ok: source.rows === destination.rows && source.checksum === destination.checksum,
    };
  }, { sides: ['source'] });
}

function finalize(connections: ConnectionResolver, input: SyncTableInput & { prepared: PreparedTable; outcome: 'completed' | 'abandoned' }): Promise<FinalizeResult> {
  return withSessions(connections, [input.destination], async (dst) => {
    const d = dst.session;
    const { prepared, table } = input;
    // A build can run for hours: the lease on the table is renewed meanwhile (on another pooled connection).
    const renew = setInterval(() => void claimTable(d, table.destination, input.runKey).catch(() => undefined), LEASE_MS / 3);
    try {
      return await finalizeOn(connections, dst, input);
    } finally {
      clearInterval(renew);
    }
  }, { last: true, alsoIdle: [input.source], sides: ['destination'] });
}

async function finalizeOn(
  connections: ConnectionResolver,
  dst: OpenedConnection,
  input: SyncTableInput & { prepared: PreparedTable; outcome: 'completed' | 'abandoned' },
): Promise<FinalizeResult> {
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
  // Checked before the keys are built: a count is cheapest on the bare heap, and a short table fails here, named.
  const verification = input.outcome === 'completed' ? await verifyCount(connections, dst, input, rowsWritten) : undefined;
  // A table this run created: its keys, indexes and triggers are built now, after the rows (also when
  // the run failed or was cancelled: the table the job leaves behind is whole).
  const ddl = table.createTable ? await loadTableDdl(d, table, input.runKey) : null;
  if (prepared.deferredPrimaryKey?.length) await d.addPrimaryKey!(prepared.target, prepared.deferredPrimaryKey);
  if (prepared.deferredKeys && ddl) await d.applyDdl!(table.destination.schema, ddl.keys);
  if (ddl?.native && !staging) await d.applyDdl!(table.destination.schema, ddl.indexes);
  if (ddl && !ddl.native && ddl.canonicalIndexes.length) await d.restoreIndexes!(prepared.target, ddl.canonicalIndexes);
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
  // Triggers last, on the table in its place: none fired for the copied rows.
  if (ddl?.native) await d.applyDdl!(table.destination.schema, ddl.after);
  await releaseTable(d, table.destination, input.runKey);
  return { rowsWritten, ...(verification ? { verification } : {}), ...(ddl?.warnings.length ? { warnings: ddl.warnings } : {}) };
}
