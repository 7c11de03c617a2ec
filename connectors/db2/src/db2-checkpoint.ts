import type { Checkpoint, TableRef } from '@sluice/connector-sdk';
import { isAlreadyExists, isUndefinedObject } from './db2-errors';
import { runInTransaction, type Db2Conn, type Db2Context } from './db2-session';

/** The state table, one per schema, next to the tables it describes. */
export const STATE_TABLE = '_sluice_state';
/** Prefix of a replace's staging tables (see activities' `stagingOf`). */
export const STAGING_PREFIX = '_sluice_stg_';

/** Sluice's bookkeeping tables: not data to sync. */
export function isSluiceTable(name: string): boolean {
  return name === STATE_TABLE || name.startsWith(STAGING_PREFIX);
}

/** The state table's DDL (DB2 has no CREATE TABLE IF NOT EXISTS before 11.5: SQL0601N is "already there"). */
export function stateTableSql(q: (s: string) => string, schema: string): string {
  return `CREATE TABLE ${q(schema)}.${q(STATE_TABLE)} (
  ${q('table_name')} VARCHAR(255) NOT NULL,
  ${q('stream')} VARCHAR(255) NOT NULL,
  ${q('state')} CLOB(1G) NOT NULL,
  ${q('updated_at')} TIMESTAMP(6) NOT NULL DEFAULT CURRENT TIMESTAMP,
  PRIMARY KEY (${q('table_name')}, ${q('stream')})
)`;
}

/** The upsert of one state row; params `[table_name, stream, state]`. */
export function upsertStateSql(q: (s: string) => string, schema: string): string {
  const [t, s, st, at] = ['table_name', 'stream', 'state', 'updated_at'].map(q) as [string, string, string, string];
  return `MERGE INTO ${q(schema)}.${q(STATE_TABLE)} AS T USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(255)), CAST(? AS CLOB(1G)))) AS S (${t}, ${s}, ${st}) ` +
    `ON T.${t} = S.${t} AND T.${s} = S.${s} ` +
    `WHEN MATCHED THEN UPDATE SET ${st} = S.${st}, ${at} = CURRENT TIMESTAMP ` +
    `WHEN NOT MATCHED THEN INSERT (${t}, ${s}, ${st}) VALUES (S.${t}, S.${s}, S.${st})`;
}

/** Creates the schema's state table unless this session did already, in its own unit of work. */
export function ensureStateTable(ctx: Db2Context, schema: string): Promise<void> {
  let ready = ctx.stateTables.get(schema);
  if (!ready) {
    ready = ctx.execute(stateTableSql(ctx.quoteIdent, schema)).then(
      () => undefined,
      (err) => {
        if (!isAlreadyExists(err)) throw err;
      },
    );
    ctx.stateTables.set(schema, ready);
    ready.catch(() => ctx.stateTables.delete(schema));
  }
  return ready;
}

/** True (and forgotten) when `err` says the state table is missing although this session had it. */
export function forgetStateTable(ctx: Db2Context, schema: string, err: unknown): boolean {
  const missing = isUndefinedObject(err) && String((err as Error)?.message).includes(STATE_TABLE);
  if (missing) ctx.stateTables.delete(schema);
  return missing;
}

/** Upserts the state row on `c`, inside the caller's unit of work. */
export async function putState(ctx: Db2Context, c: Db2Conn, table: TableRef, checkpoint: Checkpoint): Promise<void> {
  await c.execute(upsertStateSql(ctx.quoteIdent, table.schema), [table.name, checkpoint.stream, checkpoint.state]);
}

export async function readCheckpoint(ctx: Db2Context, table: TableRef, stream: string): Promise<string | null> {
  const q = ctx.quoteIdent;
  try {
    const rows = await ctx.query(
      `SELECT ${q('state')} AS "state" FROM ${q(table.schema)}.${q(STATE_TABLE)} WHERE ${q('table_name')} = CAST(? AS VARCHAR(255)) AND ${q('stream')} = CAST(? AS VARCHAR(255))`,
      [table.name, stream],
    );
    return rows[0] ? String(rows[0].state) : null;
  } catch (err) {
    if (isUndefinedObject(err)) {
      ctx.stateTables.delete(table.schema);
      return null;
    }
    throw err;
  }
}

/** Sets the state of `stream` in its own unit of work; null deletes it. */
export async function writeCheckpoint(ctx: Db2Context, table: TableRef, stream: string, state: string | null): Promise<void> {
  if (state === null) return deleteStates(ctx, table, stream);
  const put = async () => {
    await ensureStateTable(ctx, table.schema);
    await ctx.withConnection((c) => runInTransaction(c, (tx) => putState(ctx, tx, table, { stream, state })));
  };
  try {
    await put();
  } catch (err) {
    if (!forgetStateTable(ctx, table.schema, err)) throw err;
    await put();
  }
}

/** Deletes the state rows of `table` (one stream, or all), in one statement; a missing state table is nothing to delete. */
export async function deleteStates(ctx: Db2Context, table: TableRef, stream?: string): Promise<void> {
  const q = ctx.quoteIdent;
  try {
    await ctx.execute(
      `DELETE FROM ${q(table.schema)}.${q(STATE_TABLE)} WHERE ${q('table_name')} = CAST(? AS VARCHAR(255))${stream === undefined ? '' : ` AND ${q('stream')} = CAST(? AS VARCHAR(255))`}`,
      stream === undefined ? [table.name] : [table.name, stream],
    );
  } catch (err) {
    if (isUndefinedObject(err)) {
      ctx.stateTables.delete(table.schema);
      return;
    }
    throw err;
  }
}
