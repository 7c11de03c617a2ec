import { ConnectorError, dedupeByKey, expectBatchTaken, TestCode, type Checkpoint, type TableRef, type TableWriter, type WriterOptions, identityRefused } from '@sluice/connector-sdk';
import { ensureStateTable, forgetStateTable, putState } from './db2-checkpoint';
import { tableColumns, type Db2Column } from './db2-introspect';
import { encodeParam, markerExpr } from './db2-types';
import { runInTransaction, type Db2Conn, type Db2Context } from './db2-session';
import type { Db2Param } from './db2-driver';

const fail = (message: string) => new ConnectorError(TestCode.DRIVER_ERROR, message, false);

/**
 * Rows per statement. Both paths are multi-row statements with every value a
 * bound parameter; the bulk path sends ten times more rows a round trip.
 *
 * Not ibm_db's array binding (ParamType "ARRAY" + ArraySize): in 4.0.1 a
 * column whose first value is a Buffer is taken for one chunked LOB
 * (lib/odbc.js parseParams → DATA_AT_EXEC), and UTF-16 strings are copied
 * with the longest element's length (src/odbc.cpp GetArrayParam, SQL_NTS
 * lengths), so binary and text columns could not be bound exactly.
 *
 * Not ALTER TABLE … ACTIVATE NOT LOGGED INITIALLY either, even for a
 * replace's staging table: a unit of work that fails (or is rolled back)
 * while it is active leaves the table inaccessible (SQL1477N, drop only), so
 * a retried batch could never be written again, and the loaded rows are not
 * recoverable from the log (roll-forward and HADR standbys mark the table
 * unusable until the next backup). Sluice's "a batch and its checkpoint
 * commit together, a failed batch is retried" contract needs logged writes.
 */
export const ROWS_PER_STATEMENT = { plain: 100, bulk: 1000 } as const;
/** Parameter markers per statement (well under DB2's 2 MB statement text with typed markers). */
export const MAX_PARAMS = 16_000;
/** Bound bytes per statement (LOB values travel with the statement). */
export const MAX_BYTES = 16 * 1024 * 1024;

/** `INSERT INTO t (c1, c2) VALUES (CAST(? AS …), …), (…)`: `rows` rows of typed markers. */
export function insertSql(table: string, quotedColumns: string[], markers: string[], rows: number): string {
  const tuple = `(${markers.join(', ')})`;
  return `INSERT INTO ${table} (${quotedColumns.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
}

/**
 * The upsert of `rows` rows: MERGE from a VALUES table of typed markers
 * (DB2 MERGE fails on a duplicate source key, SQL0788N: batches are deduped
 * first). A table of key columns only gets no UPDATE branch.
 */
export function mergeSql(table: string, quotedColumns: string[], markers: string[], quotedKey: string[], rows: number): string {
  const tuple = `(${markers.join(', ')})`;
  const update = quotedColumns.filter((c) => !quotedKey.includes(c));
  return `MERGE INTO ${table} AS T USING (VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}) AS S (${quotedColumns.join(', ')}) ` +
    `ON ${quotedKey.map((k) => `T.${k} = S.${k}`).join(' AND ')} ` +
    (update.length ? `WHEN MATCHED THEN UPDATE SET ${update.map((c) => `${c} = S.${c}`).join(', ')} ` : '') +
    `WHEN NOT MATCHED THEN INSERT (${quotedColumns.join(', ')}) VALUES (${quotedColumns.map((c) => `S.${c}`).join(', ')})`;
}

/** Moves an identity generator past the loaded values: `ALTER TABLE … ALTER COLUMN … RESTART WITH n`. */
export function restartIdentitySql(table: string, quotedColumn: string, next: bigint): string {
  return `ALTER TABLE ${table} ALTER COLUMN ${quotedColumn} RESTART WITH ${next.toString()}`;
}

/** Splits encoded rows into statements by row count, parameter count and bound bytes. */
export function chunkRows(rows: Db2Param[][], maxRows: number, columns: number): Db2Param[][][] {
  const perStatement = Math.max(1, Math.min(maxRows, Math.floor(MAX_PARAMS / Math.max(1, columns))));
  const chunks: Db2Param[][][] = [];
  let current: Db2Param[][] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = row.reduce<number>((sum, v) => sum + paramBytes(v), 0);
    if (current.length && (current.length >= perStatement || bytes + size > MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

function paramBytes(v: Db2Param): number {
  if (v === null) return 1;
  if (typeof v === 'string') return v.length * 2;
  if (typeof v === 'number') return 8;
  return Buffer.isBuffer(v.Data) ? v.Data.length : 8;
}


export async function openDb2Writer(ctx: Db2Context, table: TableRef, options: WriterOptions): Promise<TableWriter> {
  const all = await tableColumns(ctx, table);
  if (!all.length) throw fail(`table ${table.schema}.${table.name} does not exist (or is not visible to this user)`);
  const byName = new Map(all.map((c) => [c.name, c]));
  const missing = options.columns.filter((c) => !byName.has(c));
  if (missing.length) throw fail(`${table.schema}.${table.name} has no column(s) ${missing.join(', ')}`);
  const columns: Db2Column[] = options.columns.map((c) => byName.get(c)!);
  const identity = columns.find((c) => c.identity);
  if (identity && !options.identityInsert) {
    throw fail(identityRefused(identity.name, `${table.schema}.${table.name}`));
  }
  if (identity?.generatedAlways) {
    throw fail(
      `column ${identity.name} of ${table.schema}.${table.name} is GENERATED ALWAYS AS IDENTITY: DB2 refuses explicit values there; ` +
        'alter it to GENERATED BY DEFAULT (ALTER TABLE … ALTER COLUMN … SET GENERATED BY DEFAULT) or leave it out of the columns',
    );
  }
  let keyIdx: number[] | null = null;
  if (options.mode === 'upsert') {
    if (!options.key?.length) throw fail(`upsert into ${table.schema}.${table.name} needs a key (a primary key or unique constraint): none given`);
    const absent = options.key.filter((k) => !options.columns.includes(k));
    if (absent.length) throw fail(`upsert key column(s) ${absent.join(', ')} are not among the written columns`);
    keyIdx = options.key.map((k) => options.columns.indexOf(k));
  }
  const q = ctx.quoteIdent;
  const target = ctx.table(table);
  const quoted = options.columns.map(q);
  const quotedKey = options.key?.map(q) ?? [];
  const markers = columns.map(markerExpr);
  // A MERGE counts each row it inserts or updates; with nothing to update (every column is in the
  // key) a key already there is left alone and not counted, so only then is the count not exact.
  const exactCount = !keyIdx || options.columns.some((c) => !options.key!.includes(c));
  const maxRows = options.highPerformance ? ROWS_PER_STATEMENT.bulk : ROWS_PER_STATEMENT.plain;
  let wroteIdentity = false;

  const writeRows = async (c: Db2Conn, rows: unknown[][]) => {
    const encoded = rows.map((row) => row.map((v, i) => encodeParam(v, columns[i]!.type, columns[i]!.name)));
    for (const chunk of chunkRows(encoded, maxRows, columns.length)) {
      const sql = keyIdx ? mergeSql(target, quoted, markers, quotedKey, chunk.length) : insertSql(target, quoted, markers, chunk.length);
      const took = await c.execute(sql, chunk.flat());
      if (exactCount) expectBatchTaken(keyIdx ? 'MERGE' : 'INSERT', `${table.schema}.${table.name}`, took, chunk.length);
    }
  };

  /** One batch in one unit of work, with its checkpoint (when given) merged in that same unit of work. */
  const writeBatch = (rows: unknown[][], checkpoint: Checkpoint | undefined): Promise<number> =>
    ctx.withConnection((conn) =>
      runInTransaction(conn, async (c) => {
        if (rows.length) await writeRows(c, rows);
        if (checkpoint) await putState(ctx, c, table, checkpoint);
        return rows.length;
      }),
    );

  return {
    async write(input: unknown[][], checkpoint?: Checkpoint): Promise<number> {
      for (const row of input) {
        if (row.length !== options.columns.length) throw fail(`a row has ${row.length} values for ${options.columns.length} columns`);
      }
      const rows = keyIdx ? dedupeByKey(input, keyIdx) : input;
      if (checkpoint) await ensureStateTable(ctx, table.schema);
      if (identity && rows.length) wroteIdentity = true;
      try {
        return await writeBatch(rows, checkpoint);
      } catch (err) {
        // The state table vanished since this session created it: the batch rolled back, so create it and write again.
        if (!checkpoint || !forgetStateTable(ctx, table.schema, err)) throw err;
        await ensureStateTable(ctx, table.schema);
        return writeBatch(rows, checkpoint);
      }
    },
    async close(): Promise<void> {
      if (!identity || !wroteIdentity) return;
      const [row] = await ctx.query(`SELECT CAST(MAX(${q(identity.name)}) AS VARCHAR(40)) AS "max" FROM ${target}`);
      const max = row?.max;
      if (max === null || max === undefined) return;
      const next = BigInt(String(max).trim().split('.')[0]!) + 1n;
      await ctx.execute(restartIdentitySql(target, q(identity.name), next));
    },
  };
}
