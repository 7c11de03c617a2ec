import oracledb from 'oracledb';
import type { Checkpoint, TableRef } from '@sluice/connector-sdk';
import { oraNumber } from './oracle-errors';
import type { OracleContext } from './oracle-session';

/** The state table, one per schema (owner), next to the tables it describes. */
export const STATE_TABLE = '_sluice_state';
/** Prefix of a replace's staging tables (see activities' `stagingOf`). */
export const STAGING_PREFIX = '_sluice_stg_';

/** Sluice's bookkeeping tables: not data to sync. */
export function isSluiceTable(name: string): boolean {
  return name === STATE_TABLE || name.startsWith(STAGING_PREFIX);
}

const NO_SUCH_TABLE = 942;
const NAME_IN_USE = 955;
/** The state table is missing (also inside a ConnectorError, whose message keeps the ORA number). */
export const noSuchTable = (err: unknown) => oraNumber(err) === NO_SUCH_TABLE;

/** 2 × 512 characters of AL32UTF8 stay within the index key limit of an 8 KB block. */
export function stateTableSql(quote: (s: string) => string, schema: string): string {
  return `CREATE TABLE ${quote(schema)}.${quote(STATE_TABLE)} (
  ${quote('table_name')} VARCHAR2(512 CHAR) NOT NULL,
  ${quote('stream')} VARCHAR2(512 CHAR) NOT NULL,
  ${quote('state')} CLOB NOT NULL,
  ${quote('updated_at')} TIMESTAMP(6) DEFAULT SYSTIMESTAMP NOT NULL,
  PRIMARY KEY (${quote('table_name')}, ${quote('stream')})
)`;
}

/** The state row's replacement: delete, then insert (the state is bound as a long string, which a CLOB takes whole). */
export function putStateSql(quote: (s: string) => string, schema: string): { remove: string; insert: string } {
  const t = `${quote(schema)}.${quote(STATE_TABLE)}`;
  return {
    remove: `DELETE FROM ${t} WHERE ${quote('table_name')} = :1 AND ${quote('stream')} = :2`,
    insert: `INSERT INTO ${t} (${quote('table_name')}, ${quote('stream')}, ${quote('state')}, ${quote('updated_at')}) VALUES (:1, :2, :3, SYSTIMESTAMP)`,
  };
}

/** Creates the schema's state table unless this session did already (DDL commits: never inside a batch's transaction). */
export function ensureStateTable(ctx: OracleContext, schema: string): Promise<void> {
  let ready = ctx.stateTables.get(schema);
  if (!ready) {
    ready = ctx.withConnection(async (c) => {
      try {
        await c.execute(stateTableSql(ctx.quoteIdent, schema));
      } catch (err) {
        if (oraNumber(err) !== NAME_IN_USE) throw err; // another session made it
      }
    });
    const attempt = ready;
    ctx.stateTables.set(schema, attempt);
    attempt.catch(() => ctx.stateTables.get(schema) === attempt && ctx.stateTables.delete(schema));
  }
  return ready;
}

/** True (and the cache forgets the table) when `err` says the state table vanished behind the session's back. */
export function forgetStateTable(ctx: OracleContext, schema: string, err: unknown): boolean {
  const missing = noSuchTable(err);
  if (missing) ctx.stateTables.delete(schema);
  return missing;
}

/** Replaces the state row on `c`, inside the caller's transaction. */
export async function putState(ctx: OracleContext, c: oracledb.Connection, table: TableRef, checkpoint: Checkpoint): Promise<void> {
  const sql = putStateSql(ctx.quoteIdent, table.schema);
  await c.execute(sql.remove, [table.name, checkpoint.stream]);
  await c.execute(sql.insert, [
    table.name,
    checkpoint.stream,
    { val: checkpoint.state, type: oracledb.DB_TYPE_VARCHAR, maxSize: Math.max(32768, Buffer.byteLength(checkpoint.state)) },
  ]);
}

export async function readCheckpoint(ctx: OracleContext, table: TableRef, stream: string): Promise<string | null> {
  const q = ctx.quoteIdent;
  try {
    return await ctx.withConnection(async (c) => {
      const result = await c.execute<[string]>(
        `SELECT ${q('state')} FROM ${q(table.schema)}.${q(STATE_TABLE)} WHERE ${q('table_name')} = :1 AND ${q('stream')} = :2`,
        [table.name, stream],
        { outFormat: oracledb.OUT_FORMAT_ARRAY, fetchTypeHandler: () => ({ type: oracledb.STRING }) },
      );
      return result.rows?.[0]?.[0] ?? null;
    });
  } catch (err) {
    // No state table yet: no checkpoint.
    if (forgetStateTable(ctx, table.schema, err)) return null;
    throw err;
  }
}

/** Sets the state of `stream` in its own transaction; null deletes it (a missing state table is nothing to delete). */
export async function writeCheckpoint(ctx: OracleContext, table: TableRef, stream: string, state: string | null): Promise<void> {
  if (state === null) return deleteStates(ctx, table, stream);
  const put = async () => {
    await ensureStateTable(ctx, table.schema);
    await ctx.transaction((c) => putState(ctx, c, table, { stream, state }));
  };
  try {
    await put();
  } catch (err) {
    if (!forgetStateTable(ctx, table.schema, err)) throw err;
    await put();
  }
}

/** Deletes the state rows of `table` (one stream, or all of them). */
export async function deleteStates(ctx: OracleContext, table: TableRef, stream?: string): Promise<void> {
  const q = ctx.quoteIdent;
  try {
    await ctx.query(
      `DELETE FROM ${q(table.schema)}.${q(STATE_TABLE)} WHERE ${q('table_name')} = :1${stream === undefined ? '' : ` AND ${q('stream')} = :2`}`,
      stream === undefined ? [table.name] : [table.name, stream],
    );
  } catch (err) {
    if (!forgetStateTable(ctx, table.schema, err)) throw err;
  }
}
