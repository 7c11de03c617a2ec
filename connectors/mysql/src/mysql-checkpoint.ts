import type { PoolConnection } from 'mysql2/promise';
import { ConnectorError, TestCode, type Checkpoint, type TableRef } from '@sluice/connector-sdk';
import { tableCollation } from './mysql-ddl';
import type { MysqlContext } from './mysql-session';

/** The state table, one per schema (database), next to the tables it describes. */
export const STATE_TABLE = '_sluice_state';
/** Prefix of a replace's staging tables (see activities' `stagingOf`). */
export const STAGING_PREFIX = '_sluice_stg_';

/** Sluice's bookkeeping tables: not data to sync. */
export function isSluiceTable(name: string): boolean {
  return name === STATE_TABLE || name.startsWith(STAGING_PREFIX);
}

const ER_NO_SUCH_TABLE = 1146;
const noSuchTable = (err: unknown) => (err as { errno?: number })?.errno === ER_NO_SUCH_TABLE;

/**
 * The state table's DDL: both key columns fit InnoDB's key limit in utf8mb4
 * (2 × 255 × 4 bytes), binary NO PAD collation so names compare exactly.
 */
export function stateTableSql(ctx: Pick<MysqlContext, 'flavour' | 'quoteIdent'>, schema: string): string {
  const q = ctx.quoteIdent;
  return `CREATE TABLE IF NOT EXISTS ${q(schema)}.${q(STATE_TABLE)} (
  ${q('table_name')} VARCHAR(255) NOT NULL,
  ${q('stream')} VARCHAR(255) NOT NULL,
  ${q('state')} LONGTEXT NOT NULL,
  ${q('updated_at')} TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (${q('table_name')}, ${q('stream')})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${tableCollation(ctx.flavour)}`;
}

/** The upsert of one state row; params `[table_name, stream, state, state]`. Bound twice: portable across MySQL and MariaDB. */
export function upsertStateSql(quote: (s: string) => string, schema: string): string {
  return `INSERT INTO ${quote(schema)}.${quote(STATE_TABLE)} (${quote('table_name')}, ${quote('stream')}, ${quote('state')}, ${quote('updated_at')}) ` +
    `VALUES (?, ?, ?, CURRENT_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE ${quote('state')} = ?, ${quote('updated_at')} = CURRENT_TIMESTAMP(6)`;
}

/**
 * Creates the schema's state table unless this session did already. Runs on
 * its own connection, never inside a batch's transaction: DDL commits
 * implicitly on MySQL/MariaDB.
 */
export function ensureStateTable(ctx: MysqlContext, schema: string): Promise<void> {
  let ready = ctx.stateTables.get(schema);
  if (!ready) {
    ready = ctx.query(stateTableSql(ctx, schema)).then(() => undefined);
    ctx.stateTables.set(schema, ready);
    ready.catch(() => ctx.stateTables.delete(schema));
  }
  return ready;
}

/**
 * True when `err` says the state table is missing although this session had
 * it (dropped behind the session's back): the cache forgets it, so the
 * caller can create it again and retry (the failed transaction rolled back).
 */
export function forgetStateTable(ctx: MysqlContext, schema: string, err: unknown): boolean {
  const missing = noSuchTable(err) || new RegExp(`\\.${STATE_TABLE}' doesn't exist`).test(String((err as Error)?.message));
  if (missing) ctx.stateTables.delete(schema);
  return missing;
}

/**
 * Upserts the state row on `c`, inside the caller's transaction. With
 * `expected` (fencing) it moves the state only from that one: the UPDATE
 * locks the row (a concurrent attempt waits, then finds it moved); a missing
 * row is inserted only if nobody did first. Either failure rolls the batch back.
 */
export async function putState(ctx: MysqlContext, c: PoolConnection, table: TableRef, checkpoint: Checkpoint): Promise<void> {
  if (checkpoint.expected === undefined) {
    await c.query(upsertStateSql(ctx.quoteIdent, table.schema), [table.name, checkpoint.stream, checkpoint.state, checkpoint.state]);
    return;
  }
  const q = ctx.quoteIdent;
  const target = `${q(table.schema)}.${q(STATE_TABLE)}`;
  const [result] = (checkpoint.expected === null
    ? await c.query(`INSERT IGNORE INTO ${target} (${q('table_name')}, ${q('stream')}, ${q('state')}, ${q('updated_at')}) VALUES (?, ?, ?, CURRENT_TIMESTAMP(6))`, [table.name, checkpoint.stream, checkpoint.state])
    : await c.query(`UPDATE ${target} SET ${q('state')} = ?, ${q('updated_at')} = CURRENT_TIMESTAMP(6) WHERE ${q('table_name')} = ? AND ${q('stream')} = ? AND ${q('state')} = ?`, [checkpoint.state, table.name, checkpoint.stream, checkpoint.expected])) as unknown as [{ affectedRows: number }];
  if (result.affectedRows !== 1) {
    throw new ConnectorError(
      TestCode.CHECKPOINT_CONFLICT,
      `The checkpoint of ${table.schema}.${table.name} (${checkpoint.stream}) moved since this batch was read: another attempt wrote it. The batch rolled back; a retry continues from the stored checkpoint.`,
      true,
    );
  }
}

export async function readCheckpoint(ctx: MysqlContext, table: TableRef, stream: string): Promise<string | null> {
  const q = ctx.quoteIdent;
  return ctx.withConnection(async (c) => {
    try {
      const [rows] = await c.query(
        `SELECT ${q('state')} AS state FROM ${q(table.schema)}.${q(STATE_TABLE)} WHERE ${q('table_name')} = ? AND ${q('stream')} = ?`,
        [table.name, stream],
      );
      const row = (rows as { state: string }[])[0];
      return row ? row.state : null;
    } catch (err) {
      // No state table yet: no checkpoint.
      if (noSuchTable(err)) {
        ctx.stateTables.delete(table.schema);
        return null;
      }
      throw err;
    }
  });
}

/** Sets the state of `stream` in its own transaction; null deletes it (a missing state table is nothing to delete). */
export async function writeCheckpoint(ctx: MysqlContext, table: TableRef, stream: string, state: string | null, expected?: string | null): Promise<void> {
  if (state === null) {
    await deleteStates(ctx, table, stream);
    return;
  }
  const put = async () => {
    await ensureStateTable(ctx, table.schema);
    await ctx.transaction((c) => putState(ctx, c, table, { stream, state, ...(expected !== undefined ? { expected } : {}) }));
  };
  try {
    await put();
  } catch (err) {
    if (!forgetStateTable(ctx, table.schema, err)) throw err;
    await put();
  }
}

/** Deletes the state rows of `table` (one stream, or all of them), in one statement. */
export async function deleteStates(ctx: MysqlContext, table: TableRef, stream?: string): Promise<void> {
  const q = ctx.quoteIdent;
  await ctx.withConnection(async (c) => {
    try {
      await c.query(
        `DELETE FROM ${q(table.schema)}.${q(STATE_TABLE)} WHERE ${q('table_name')} = ?${stream === undefined ? '' : ` AND ${q('stream')} = ?`}`,
        stream === undefined ? [table.name] : [table.name, stream],
      );
    } catch (err) {
      if (noSuchTable(err)) {
        ctx.stateTables.delete(table.schema);
        return;
      }
      throw err;
    }
  });
}
