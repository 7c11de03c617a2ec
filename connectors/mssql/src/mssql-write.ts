import { randomBytes } from 'node:crypto';
import { ConnectorError, dedupeByKey, expectBatchTaken, TestCode, type Checkpoint, type TableRef, type TableWriter, type WriterOptions, identityRefused } from '@sluice/connector-sdk';
import { ensureStateTable, forgetStateTable, putState } from './mssql-checkpoint';
import { bulkTable } from './mssql-driver';
import { tableColumns } from './mssql-introspect';
import { notFound } from './mssql-read';
import { encodeValue, wireDeclaration, wireType, type MssqlColumn } from './mssql-types';
import type { MssqlContext, MssqlTx, Param } from './mssql-session';

const fail = (message: string) => new ConnectorError(TestCode.DRIVER_ERROR, message, false);

/** SQL Server takes at most 2,100 parameters a request and 1,000 rows a VALUES list. */
export const MAX_PARAMS = 2_000;
export const MAX_VALUES_ROWS = 1_000;

/** Rows per statement of the plain path for `columns` columns. */
export function rowsPerStatement(columns: number): number {
  return Math.max(1, Math.min(MAX_VALUES_ROWS, Math.floor(MAX_PARAMS / Math.max(1, columns))));
}

/** `(@p0, @p1), (@p2, @p3)`: `rows` rows of `columns` parameters, numbered from `first`. */
export function valuesList(rows: number, columns: number, first = 0): string {
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < columns; c++) cells.push(`@p${first + r * columns + c}`);
    out.push(`(${cells.join(', ')})`);
  }
  return out.join(', ');
}

/**
 * Wraps a statement in IDENTITY_INSERT ON/OFF. It runs through
 * sp_executesql, whose SET options end with it: an error midway cannot leave
 * the pooled session with IDENTITY_INSERT on.
 */
export function withIdentityInsert(table: string, sql: string, on: boolean): string {
  return on ? `SET IDENTITY_INSERT ${table} ON;\n${sql};\nSET IDENTITY_INSERT ${table} OFF;` : sql;
}

/**
 * `sql` followed by its own row count, read before anything resets it: the
 * result's last recordset holds `n`, the rows the statement itself took
 * (a trigger's own statements do not count there, unlike `rowsAffected`).
 */
export function withRowCount(sql: string): string {
  return `${sql.replace(/;\s*$/, '')};\nSELECT @@ROWCOUNT AS [n]`;
}

/** The `n` of a `withRowCount` statement's result. */
export function rowCountOf(result: { recordsets: unknown[][] }): number {
  const last = result.recordsets[result.recordsets.length - 1] as { n?: number }[] | undefined;
  return Number(last?.[0]?.n ?? NaN);
}

export function insertSql(table: string, quotedColumns: string[], rows: number): string {
  return `INSERT INTO ${table} (${quotedColumns.join(', ')}) VALUES ${valuesList(rows, quotedColumns.length)}`;
}

export function insertSelectSql(table: string, source: string, quotedColumns: string[]): string {
  const cols = quotedColumns.join(', ');
  return `INSERT INTO ${table} (${cols}) SELECT ${cols} FROM ${source}`;
}

/**
 * The upsert: one MERGE with HOLDLOCK (SERIALIZABLE on the target for the
 * statement), so two writers cannot both miss a key and insert it twice.
 * `source` is a staging table or `(VALUES …)` (then named by `sourceColumns`).
 * Identity columns are never updated (SQL Server refuses it); a table whose
 * columns are all key columns only inserts.
 */
export function mergeSql(o: { table: string; source: string; quotedColumns: string[]; quotedKey: string[]; noUpdate?: string[]; valuesSource?: boolean }): string {
  const update = o.quotedColumns.filter((c) => !o.quotedKey.includes(c) && !(o.noUpdate ?? []).includes(c));
  const alias = o.valuesSource ? ` (${o.quotedColumns.join(', ')})` : '';
  return [
    `MERGE INTO ${o.table} WITH (HOLDLOCK) AS t`,
    `USING ${o.source} AS s${alias}`,
    `ON ${o.quotedKey.map((k) => `t.${k} = s.${k}`).join(' AND ')}`,
    ...(update.length ? [`WHEN MATCHED THEN UPDATE SET ${update.map((c) => `t.${c} = s.${c}`).join(', ')}`] : []),
    `WHEN NOT MATCHED BY TARGET THEN INSERT (${o.quotedColumns.join(', ')}) VALUES (${o.quotedColumns.map((c) => `s.${c}`).join(', ')});`,
  ].join('\n');
}

/** The staging table: the written columns as they travel (exact native types, decimals as text), all nullable, in tempdb. */
export function stagingTableSql(name: string, quote: (s: string) => string, columns: MssqlColumn[]): string {
  const defs = columns.map((c) => {
    const wire = wireType(c);
    const type = wire.converted ? wireDeclaration(wire.spec) : c.nativeType;
    const collate = /char|text|sysname/.test(type.toLowerCase()) ? ' COLLATE DATABASE_DEFAULT' : '';
    return `${quote(c.name)} ${type}${collate} NULL`;
  });
  return `CREATE TABLE ${quote(name)} (${defs.join(', ')})`;
}


/**
 * Which path a high-performance batch takes: straight into the table with the
 * TDS bulk load (append, every column sent in its own type, no explicit
 * identity values), or bulk load into a #staging table and one set-based
 * INSERT … SELECT / MERGE from it (upsert; exact decimals, sent as text for
 * the server to convert; identity values, kept with IDENTITY_INSERT).
 */
export function bulkPlan(columns: MssqlColumn[], mode: 'append' | 'upsert', identityInsert: boolean): 'direct' | 'staged' {
  if (mode === 'upsert') return 'staged';
  if (identityInsert && columns.some((c) => c.identity)) return 'staged';
  return columns.some((c) => wireType(c).converted) ? 'staged' : 'direct';
}

export async function openMssqlWriter(ctx: MssqlContext, table: TableRef, options: WriterOptions): Promise<TableWriter> {
  const all = await tableColumns(ctx, table);
  if (!all.length) throw notFound(table);
  const byName = new Map(all.map((c) => [c.name, c]));
  const missing = options.columns.filter((c) => !byName.has(c));
  if (missing.length) throw fail(`${table.schema}.${table.name} has no column(s) ${missing.join(', ')}`);
  const columns = options.columns.map((c) => byName.get(c)!);
  const readOnly = columns.filter((c) => c.readOnly);
  if (readOnly.length) throw fail(`column(s) ${readOnly.map((c) => c.name).join(', ')} of ${table.schema}.${table.name} are computed or rowversion: leave them out`);
  const identity = columns.find((c) => c.identity);
  if (identity && !options.identityInsert) {
    throw fail(identityRefused(identity.name, `${table.schema}.${table.name}`, 'an IDENTITY'));
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
  const quoted = columns.map((c) => q(c.name));
  const quotedKey = options.key?.map(q) ?? [];
  const noUpdate = columns.filter((c) => c.identity).map((c) => q(c.name));
  const identityOn = Boolean(identity);
  const wires = columns.map(wireType);
  const plan = options.highPerformance ? bulkPlan(columns, options.mode, Boolean(options.identityInsert)) : null;
  const perStatement = rowsPerStatement(columns.length);
  const where = `${table.schema}.${table.name}`;
  // A MERGE counts each inserted and each updated row once; with nothing to update (every column is
  // in the key) a key already there is left alone and not counted, so only then is the count not exact.
  const exactCount = !keyIdx || columns.some((c) => !options.key!.includes(c.name) && !c.identity);

  const encodeRow = (row: unknown[]) => row.map((v, i) => encodeValue(v, columns[i]!));

  /** The plain path: multi-row INSERT or MERGE … USING (VALUES …), bound parameters. */
  const plain = async (tx: MssqlTx, rows: unknown[][]) => {
    for (let at = 0; at < rows.length; at += perStatement) {
      const chunk = rows.slice(at, at + perStatement);
      const params: Param[] = [];
      chunk.forEach((row, r) => encodeRow(row).forEach((value, c) => params.push({ name: `p${r * columns.length + c}`, type: wires[c]!.spec, value })));
      const sql = keyIdx
        ? mergeSql({ table: target, source: `(VALUES ${valuesList(chunk.length, columns.length)})`, quotedColumns: quoted, quotedKey, noUpdate, valuesSource: true })
        : insertSql(target, quoted, chunk.length);
      const took = rowCountOf(await tx.query(withIdentityInsert(target, withRowCount(sql), identityOn), params));
      if (exactCount) expectBatchTaken(keyIdx ? 'MERGE' : 'INSERT', where, took, chunk.length);
    }
  };

  /** The bulk path (see `bulkPlan`). */
  const bulk = async (tx: MssqlTx, rows: unknown[][]) => {
    if (plan === 'direct') {
      // Declared with the table's nullability, a NULL in a NOT NULL column would fail inside the TDS stream: name it here.
      columns.forEach((c, i) => {
        if (!c.nullable && rows.some((r) => r[i] === null || r[i] === undefined)) throw fail(`column ${c.name} of ${table.schema}.${table.name} is NOT NULL: the batch has a NULL in it`);
      });
      const t = bulkTable(target, columns.map((c, i) => ({ name: c.name, type: wires[i]!.spec, nullable: c.nullable })));
      for (const row of rows) t.rows.add(...encodeRow(row));
      // Like an INSERT: NULLs stay NULL (not the column default), constraints checked (the table stays trusted), triggers fire.
      expectBatchTaken('bulk load', where, await tx.bulk(t, { keepNulls: true, checkConstraints: true, fireTriggers: true }), rows.length);
      return;
    }
    const stage = `#sluice_stage_${randomBytes(6).toString('hex')}`;
    // A plain batch: a #table made inside sp_executesql would vanish with it.
    await tx.batch(stagingTableSql(stage, q, columns));
    const t = bulkTable(q(stage), columns.map((c, i) => ({ name: c.name, type: wires[i]!.spec, nullable: true })));
    for (const row of rows) t.rows.add(...encodeRow(row));
    expectBatchTaken('bulk load', `${where}'s staging table`, await tx.bulk(t, { keepNulls: true }), rows.length);
    const sql = keyIdx
      ? mergeSql({ table: target, source: q(stage), quotedColumns: quoted, quotedKey, noUpdate })
      : insertSelectSql(target, q(stage), quoted);
    const took = rowCountOf(await tx.query(withIdentityInsert(target, withRowCount(sql), identityOn)));
    if (exactCount) expectBatchTaken(keyIdx ? 'MERGE from the staging table' : 'INSERT … SELECT from the staging table', where, took, rows.length);
    await tx.batch(`DROP TABLE ${q(stage)}`);
  };

  /** One batch in one transaction, with its checkpoint (when given) upserted in that same transaction. */
  const writeBatch = (rows: unknown[][], checkpoint: Checkpoint | undefined): Promise<number> =>
    ctx.transaction(async (tx) => {
      if (rows.length) await (plan ? bulk(tx, rows) : plain(tx, rows));
      if (checkpoint) await putState(ctx, tx, table, checkpoint);
      return rows.length;
    });

  return {
    async write(input: unknown[][], checkpoint?: Checkpoint): Promise<number> {
      for (const row of input) {
        if (row.length !== options.columns.length) throw fail(`a row has ${row.length} values for ${options.columns.length} columns`);
      }
      const rows = keyIdx ? dedupeByKey(input, keyIdx) : input;
      if (checkpoint) await ensureStateTable(ctx, table.schema);
      try {
        return await writeBatch(rows, checkpoint);
      } catch (err) {
        // The state table vanished since this session created it: the batch rolled back whole, so create it and write again.
        if (!checkpoint || !forgetStateTable(ctx, table.schema, err)) throw err;
        await ensureStateTable(ctx, table.schema);
        return writeBatch(rows, checkpoint);
      }
    },
    // Nothing to finish: IDENTITY_INSERT moves the identity past explicit values by itself.
    async close(): Promise<void> {},
  };
}
