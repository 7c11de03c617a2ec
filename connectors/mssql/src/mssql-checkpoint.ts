import type { Checkpoint, TableRef } from '@sluice/connector-sdk';
import { mssqlDriver } from './mssql-driver';
import { errorNumber } from './mssql-errors';
import type { MssqlContext, MssqlTx, Param } from './mssql-session';

/** The state table, one per schema, next to the tables it describes. */
export const STATE_TABLE = '_sluice_state';
/** Prefix of a replace's staging tables (see activities' `stagingOf`). */
export const STAGING_PREFIX = '_sluice_stg_';

/** Sluice's bookkeeping tables: not data to sync. */
export function isSluiceTable(name: string): boolean {
  return name === STATE_TABLE || name.startsWith(STAGING_PREFIX);
}

/** 208: invalid object name; 2714: there is already an object named … */
const INVALID_OBJECT = 208;
const ALREADY_EXISTS = 2714;

/**
 * The state table's DDL, created when missing. Keys in a binary collation
 * (names compare exactly, as on the other engines), within the 900-byte
 * clustered key limit (2 × 128 + 2 × 300 bytes).
 */
export function stateTableSql(quote: (s: string) => string, schema: string): string {
  const q = quote;
  return `IF OBJECT_ID(@state_table, N'U') IS NULL
CREATE TABLE ${q(schema)}.${q(STATE_TABLE)} (
  ${q('table_name')} NVARCHAR(128) COLLATE Latin1_General_BIN2 NOT NULL,
  ${q('stream')} NVARCHAR(300) COLLATE Latin1_General_BIN2 NOT NULL,
  ${q('state')} NVARCHAR(MAX) NOT NULL,
  ${q('updated_at')} DATETIME2(6) NOT NULL DEFAULT SYSUTCDATETIME(),
  PRIMARY KEY (${q('table_name')}, ${q('stream')})
)`;
}

/**
 * The upsert of one state row, race-free inside the caller's transaction:
 * UPDATE with UPDLOCK + SERIALIZABLE holds the key range, so a concurrent
 * writer waits instead of inserting the same key.
 */
export function upsertStateSql(quote: (s: string) => string, schema: string): string {
  const t = `${quote(schema)}.${quote(STATE_TABLE)}`;
  return `UPDATE ${t} WITH (UPDLOCK, SERIALIZABLE) SET ${quote('state')} = @state, ${quote('updated_at')} = SYSUTCDATETIME()
  WHERE ${quote('table_name')} = @table_name AND ${quote('stream')} = @stream;
IF @@ROWCOUNT = 0
  INSERT INTO ${t} (${quote('table_name')}, ${quote('stream')}, ${quote('state')}) VALUES (@table_name, @stream, @state);`;
}

function stateParams(table: TableRef, stream: string, state?: string): Param[] {
  const T = mssqlDriver().TYPES;
  return [
    { name: 'table_name', type: T.NVarChar(128), value: table.name },
    { name: 'stream', type: T.NVarChar(300), value: stream },
    ...(state === undefined ? [] : [{ name: 'state', type: T.NVarChar(mssqlDriver().MAX), value: state }]),
  ];
}

/** Creates the schema's state table unless this session did already (a concurrent creator's 2714 is fine). */
export function ensureStateTable(ctx: MssqlContext, schema: string): Promise<void> {
  let ready = ctx.stateTables.get(schema);
  if (!ready) {
    const name = { name: 'state_table', type: mssqlDriver().TYPES.NVarChar(300), value: `${ctx.quoteIdent(schema)}.${ctx.quoteIdent(STATE_TABLE)}` };
    ready = ctx.query(stateTableSql(ctx.quoteIdent, schema), [name]).then(
      () => undefined,
      (err) => {
        if (errorNumber(err) !== ALREADY_EXISTS) throw err;
      },
    );
    ctx.stateTables.set(schema, ready);
    ready.catch(() => ctx.stateTables.delete(schema));
  }
  return ready;
}

/** True when `err` says the state table is missing although this session had it: forget it so the caller can create it and retry. */
export function forgetStateTable(ctx: MssqlContext, schema: string, err: unknown): boolean {
  const missing = errorNumber(err) === INVALID_OBJECT && String((err as Error)?.message).includes(STATE_TABLE);
  if (missing) ctx.stateTables.delete(schema);
  return missing;
}

/** Upserts the state row inside the caller's transaction. */
export async function putState(ctx: MssqlContext, tx: MssqlTx, table: TableRef, checkpoint: Checkpoint): Promise<void> {
  await tx.query(upsertStateSql(ctx.quoteIdent, table.schema), stateParams(table, checkpoint.stream, checkpoint.state));
}

export async function readCheckpoint(ctx: MssqlContext, table: TableRef, stream: string): Promise<string | null> {
  const q = ctx.quoteIdent;
  try {
    const rows = await ctx.query(
      `SELECT ${q('state')} AS state FROM ${q(table.schema)}.${q(STATE_TABLE)} WHERE ${q('table_name')} = @table_name AND ${q('stream')} = @stream`,
      stateParams(table, stream),
    );
    return rows[0] ? (rows[0].state as string) : null;
  } catch (err) {
    if (errorNumber(err) === INVALID_OBJECT) {
      ctx.stateTables.delete(table.schema);
      return null;
    }
    throw err;
  }
}

/** Sets the state of `stream` in its own transaction; null deletes it. */
export async function writeCheckpoint(ctx: MssqlContext, table: TableRef, stream: string, state: string | null): Promise<void> {
  if (state === null) return deleteStates(ctx, table, stream);
  const put = async () => {
    await ensureStateTable(ctx, table.schema);
    await ctx.transaction((tx) => putState(ctx, tx, table, { stream, state }));
  };
  try {
    await put();
  } catch (err) {
    if (!forgetStateTable(ctx, table.schema, err)) throw err;
    await put();
  }
}

/** Deletes the state rows of `table` (one stream, or all of them). */
export async function deleteStates(ctx: MssqlContext, table: TableRef, stream?: string): Promise<void> {
  const q = ctx.quoteIdent;
  const params = stateParams(table, stream ?? '');
  try {
    await ctx.query(
      `DELETE FROM ${q(table.schema)}.${q(STATE_TABLE)} WHERE ${q('table_name')} = @table_name${stream === undefined ? '' : ` AND ${q('stream')} = @stream`}`,
      stream === undefined ? params.slice(0, 1) : params,
    );
  } catch (err) {
    if (errorNumber(err) === INVALID_OBJECT) return;
    throw err;
  }
}
