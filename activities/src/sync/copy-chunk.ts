import { CancelledFailure, Context } from '@temporalio/activity';
import type { Checkpoint, CopyTextBatch, PreparedBatch, RowBatch, TableWriter } from '@sluice/connector-sdk';
import type { ChunkResult, PreparedTable, RangeInput, SyncTableInput } from '@sluice/workflows';
import type { ConnectionResolver } from '../connections';
import { withSessions, type OpenedConnection } from '../sessions';
import { compareCursor, stateForRun, streamOf, type SyncState } from './checkpoint';
import { readAhead } from './read-ahead';
import { claimTable } from './table-lease';
import { SpanStatusCode } from '@opentelemetry/api';
import { tracer } from '../tracing';

/**
 * How long one chunk copies before it returns to the workflow with counts:
 * the grain of the job's progress. Short enough for live progress, long
 * enough that opening the sessions again costs little.
 */
export const CHUNK_MS = 3_000;
/** Heartbeats run on their own timer, so a slow batch still reports and still learns of a cancel. */
const HEARTBEAT_MS = 1_000;
/**
 * After this long without a batch committed, the heartbeat says which side the chunk waits for
 * (`stalled`): a database that went silent (no reset, no close) holds a query for as long as the
 * network lets it, and the Job's message tells the operator why the copy stands still.
 */
export const STALL_REPORT_MS = 10_000;

/** What copyChunk heartbeats: its counts, and, once it waits long for one side, which and since when. */
export interface ChunkHeartbeat extends ChunkResult {
  stalled?: { on: 'source' | 'destination'; seconds: number };
}

/**
 * Copies from the checkpoint the destination holds: each batch is written
 * together with its new checkpoint in one destination transaction, so a
 * retried or resumed chunk never writes a row twice (append) and never
 * skips one. Stops after CHUNK_MS, at the end of the table, or on cancel
 * (the open batch rolls back; every connection is released).
 */
export async function copyChunk(
  connections: ConnectionResolver,
  input: SyncTableInput & { target: PreparedTable['target']; range: RangeInput | null },
  chunkMs = CHUNK_MS,
): Promise<ChunkResult> {
  const ctx = Context.current();
  const { table, options } = input;
  const stream = streamOf(input, input.range);
  const started = Date.now();
  const result: ChunkResult = { rowsRead: 0, rowsWritten: 0, done: false };
  // Which side the chunk awaits now, and since when nothing moved.
  const waiting = { on: null as 'source' | 'destination' | null, since: Date.now() };
  const beat = setInterval(() => {
    const details: ChunkHeartbeat = { ...result };
    const stalledMs = Date.now() - waiting.since;
    if (waiting.on && stalledMs >= STALL_REPORT_MS) details.stalled = { on: waiting.on, seconds: Math.round(stalledMs / 1000) };
    ctx.heartbeat(details);
  }, HEARTBEAT_MS);
  try {
    return await withSessions(connections, [input.source, input.destination], async (src, dst) => {
      waiting.on = 'destination';
      // The stored state as text: each batch commits only if it is still the stored one (fencing).
      // Still this job's table (another job may have taken over a lease this one let lapse).
      await claimTable(dst.session, table.destination, input.runKey);
      const engines = { source: src.plugin.type, destination: dst.plugin.type };
      const metrics = connections.metrics;
      let stored = await dst.session.readCheckpoint(input.target, stream);
      let state: SyncState = stateForRun(stored, input);
      result.rowsWritten = state.rows;
      if (state.done) return { ...result, done: true };
      const writer = await dst.session.openWriter(input.target, {
        columns: table.columns,
        mode: table.mode === 'upsert' ? 'upsert' : 'append',
        key: table.key,
        highPerformance: options.highPerformance,
        identityInsert: options.identityInsert || (table.createTable && options.identityInsertCreated === true),
      });
      const cursorIndex = table.cursorColumn ? table.columns.indexOf(table.cursorColumn) : -1;
      // The copy as a span under the activity's (when tracing): each committed batch an event with its counts.
      const span = tracer.startSpan('sluice.copy', {
        attributes: {
          'sluice.source.engine': engines.source,
          'sluice.destination.engine': engines.destination,
          'sluice.table': `${table.destination.schema ? `${table.destination.schema}.` : ''}${table.destination.name}`,
          ...(input.range ? { 'sluice.lane': input.range.index } : {}),
        },
      });
      try {
        const readOptions = {
          columns: table.columns,
          key: table.key,
          after: state.after ?? input.range?.after ?? null,
          until: input.range?.until ?? null,
          since: table.cursorColumn && state.floor !== null ? { column: table.cursorColumn, value: state.floor } : null,
          batchSize: options.batchSize,
          batchBytes: laneBytes(options.batchBytes, table.ranges?.length ?? 1),
          zeroDates: options.zeroDates,
          signal: ctx.cancellationSignal,
        };
        const copyText = await copyTextPath(input, src, dst, writer);
        span.setAttribute('sluice.path', copyText ? 'copy-text' : 'rows');
        // No page is read ahead when the write of this one will take the chunk past its time: the
        // chunk would end with it unused, and the next chunk read it again (4% of a 10M-row table's
        // rows were read twice at 4 lanes). Guessed from the last write's time.
        let lastWriteMs = 0;
        const timeLeft = () => Date.now() - started + lastWriteMs <= chunkMs;
        const batches: AsyncIterable<CopyBatch> = readAhead(
          copyText
            ? copyTextBatches(src.session.readCopyText!(table.source, { ...readOptions, binary: copyText.binary }), writer.writeCopyText!.bind(writer))
            : rowBatches(src.session.read(table.source, { ...readOptions, batchBytes: rowsPathBytes(readOptions.batchBytes), partBytes: PART_BYTES }), writer, cursorIndex),
          (unused) => unused.release?.(),
          timeLeft,
        );
        let stoppedEarly = false;
        waiting.on = 'source';
        for await (const batch of batches) {
          if (ctx.cancellationSignal.aborted) {
            batch.release?.();
            break;
          }
          result.rowsRead += batch.count;
          metrics.rowsRead(engines, batch.count);
          const max = compareCursor(batch.cursorMax, state.max) > 0 ? batch.cursorMax : state.max;
          const next: SyncState = { ...state, after: batch.last, max, rows: state.rows + batch.count };
          const written = JSON.stringify(next);
          const writeStarted = Date.now();
          waiting.on = 'destination';
          await batch.write({ stream, state: written, expected: stored });
          lastWriteMs = Date.now() - writeStarted;
          metrics.batchCommitted(engines, batch.count, lastWriteMs / 1000, batch.bytes);
          span.addEvent('batch committed', { rows: batch.count, ms: lastWriteMs, ...(batch.bytes !== undefined ? { bytes: batch.bytes } : {}) });
          waiting.on = 'source'; // the next batch, read ahead meanwhile
          waiting.since = Date.now();
          batch.release?.();
          stored = written;
          state = next;
          result.rowsWritten = state.rows;
          if (ctx.cancellationSignal.aborted || Date.now() - started > chunkMs) {
            stoppedEarly = true;
            break;
          }
        }
        if (ctx.cancellationSignal.aborted) throw cancelled();
        if (!stoppedEarly) {
          waiting.on = 'destination';
          // The read ended on its own: the table is done for this run.
          await dst.session.writeCheckpoint(input.target, stream, JSON.stringify({ ...state, done: true }));
          result.done = true;
        }
        span.setAttributes({ 'sluice.rows_read': result.rowsRead, 'sluice.rows_written': result.rowsWritten, 'sluice.done': result.done });
        return result;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: ctx.cancellationSignal.aborted ? 'cancelled' : err instanceof Error ? err.name : 'error' });
        // A driver aborted by the cancel reports its own error: the activity was cancelled.
        if (ctx.cancellationSignal.aborted) throw cancelled();
        throw err;
      } finally {
        span.end();
        await writer.close();
      }
    }, { blame: () => waiting.on });
  } finally {
    clearInterval(beat);
  }
}

/**
 * The page bytes of one lane: a table copied in more lanes reads smaller pages,
 * so that what its lanes hold at once (a page written and one read ahead
 * each) stays the same from 2 to 4 lanes: a worker's memory does not grow
 * with the table (more rows make more lanes).
 */
const laneBytes = (batchBytes: number | undefined, lanes: number) =>
  batchBytes ? Math.max(1 << 20, Math.floor((batchBytes * 2) / Math.max(2, lanes))) : undefined;

/**
 * A decoded row's size (`approximateRowBytes`: 8 for a number or a date) is
 * about half its COPY text, which is what a page of the rows path is held
 * as: half the bytes, for pages of the same weight as the bulk path's.
 */
const rowsPathBytes = (batchBytes: number | undefined) => (batchBytes ? Math.floor(batchBytes / 2) : undefined);

/**
 * Parts a page is read in on the rows path (`ReadOptions.partBytes`): small
 * enough to be written out before the next scavenge, so their rows die in the
 * young generation. Narrow rows arrive slowly in bytes: at 256 KiB a part of
 * them lived across scavenges and nearly every row was promoted (10M narrow
 * rows MariaDB → PG: ~20 full GCs, 19 s); at 16 KiB 5 full GCs, 14 s, and
 * ~20 MiB less peak RSS. Wide rows ran at the same speed either way.
 */
const PART_BYTES = 16 << 10;

/** A batch either path yields: its row count, last key, largest cursor value (null: none) and how to write it with a checkpoint. */
interface CopyBatch {
  count: number;
  /** Bytes of the batch where the path knows them (the COPY text path), for metrics. */
  bytes?: number;
  last: unknown[];
  cursorMax: unknown;
  write(checkpoint: Checkpoint): Promise<number>;
  /** After a write that succeeded: its bytes may be reused (`CopyTextBatch.release`). */
  release?(): void;
}

/**
 * Decoded batches, each handed to the writer's `prepare` as it arrives when
 * the writer has one, and the parts of a page (`RowBatch.more`) gathered into
 * one write: a page waits as the destination's bulk bytes, not as rows (a
 * 10,000-row page of the wide bench table is ~6 MB of COPY text and ~20 MB
 * of JS values), and parts die young.
 */
async function* rowBatches(batches: AsyncIterable<RowBatch>, writer: TableWriter, cursorIndex: number): AsyncGenerator<CopyBatch> {
  let prepared: PreparedBatch | null = null;
  let rows: unknown[][] = [];
  let count = 0;
  let cursorMax: unknown = null;
  let last: unknown[] | null = null;
  const page = (): CopyBatch => {
    const batch = prepared;
    const held = rows;
    const out: CopyBatch = { count, last: last!, cursorMax, write: batch ? (cp) => batch.write(cp) : (cp) => writer.write(held, cp), release: () => batch?.release?.() };
    prepared = null;
    rows = [];
    count = 0;
    cursorMax = null;
    return out;
  };
  for await (const b of batches) {
    if (cursorIndex >= 0) for (const row of b.rows) if (compareCursor(row[cursorIndex], cursorMax) > 0) cursorMax = row[cursorIndex];
    if (prepared) prepared.add(b.rows);
    else if (writer.prepare) prepared = writer.prepare(b.rows);
    else rows = rows.length ? rows.concat(b.rows) : b.rows;
    count += b.rows.length;
    last = b.last;
    if (!b.more) yield page();
  }
  // A read that ended on a part marked `more` (none should): its rows are still a page.
  if (count) yield page();
}

async function* copyTextBatches(
  batches: AsyncIterable<CopyTextBatch>,
  write: NonNullable<TableWriter['writeCopyText']>,
): AsyncGenerator<CopyBatch> {
  for await (const b of batches) {
    yield { count: b.rows, bytes: b.text.length, last: b.last, cursorMax: null, write: (cp) => write(b.text, b.rows, cp, b.format), release: () => b.release?.() };
  }
}

/**
 * Whether this chunk moves the engine's COPY text instead of decoded rows
 * (same engine on both sides, so nothing needs decoding or translating;
 * ~1.6× the rows/s of the rows path on a local 1M-row table). Only when the text means the same rows on both sides and nothing
 * needs the values: same connector type with both members, append or upsert
 * (a keyset page holds each key once, so the writer merges it as it is;
 * replace writes a staging table shaped like the destination), the bulk path asked for, no cursor column (the cursor's max
 * needs values), the key among the columns (the last key is read from the
 * text), and every column of the same canonical type on both sides (checked
 * by introspecting both tables: a constant number of catalog queries).
 * `binary`: also the same native types and the same server version, so the
 * engine's binary bulk format means the same values on both sides.
 */
export async function copyTextPath(
  input: SyncTableInput & { target: PreparedTable['target'] },
  src: OpenedConnection,
  dst: OpenedConnection,
  writer: TableWriter,
): Promise<{ binary: boolean } | null> {
  const { table } = input;
  if (src.plugin.type !== dst.plugin.type || !src.session.readCopyText || !writer.writeCopyText) return null;
  if (table.mode === 'replace' || !input.options.highPerformance || table.cursorColumn) return null;
  if (!table.key.every((k) => table.columns.includes(k))) return null;
  const [[from], [into], fromVersion, intoVersion] = await Promise.all([
    src.session.introspect(table.source.schema, { tables: [table.source.name], includeViews: true }),
    dst.session.introspect(input.target.schema, { tables: [input.target.name], includeViews: true }),
    src.session.serverVersion(),
    dst.session.serverVersion(),
  ]);
  if (!from || !into) return null;
  const column = (t: typeof from, name: string) => t.columns.find((c) => c.name === name);
  const typeOf = (t: typeof from, name: string) => JSON.stringify(column(t, name)?.type ?? null);
  if (!table.columns.every((c) => typeOf(from, c) !== 'null' && typeOf(from, c) === typeOf(into, c))) return null;
  const binary = fromVersion === intoVersion && table.columns.every((c) => column(from, c)!.nativeType === column(into, c)!.nativeType);
  return { binary };
}

function cancelled(): CancelledFailure {
  return new CancelledFailure('Copy cancelled; the open batch was rolled back');
}
