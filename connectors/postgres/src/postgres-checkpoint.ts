import type { PoolClient } from 'pg';
import { ConnectorError, TestCode, type Checkpoint, type TableRef } from '@sluice/connector-sdk';
import type { PgContext } from './postgres-session';

/*
 * Sync state kept with the data (as dlt does): one row per (table, stream) in
 * `_sluice_state` of the table's own schema, so a batch and its checkpoint
 * commit in one transaction of the destination.
 */

export const STATE_TABLE = '_sluice_state';

const UNDEFINED_TABLE = '42P01';
const UNDEFINED_SCHEMA = '3F000';
// Two sessions racing on CREATE TABLE IF NOT EXISTS: the loser fails on the catalog's unique index
// (23505), on the relation (42P07) or on the table's row type, "type … already exists" (42710).
const CREATE_RACE = new Set(['23505', '42P07', '42710']);

const codeOf = (err: unknown) => (err as { code?: string })?.code;
const stateTable = (ctx: PgContext, schema: string) => ctx.qualified({ schema, name: STATE_TABLE });

/** CREATE TABLE IF NOT EXISTS; callers cache it per session and schema (`PgContext.ensureStateTable`). */
export async function createStateTable(ctx: PgContext, schema: string): Promise<void> {
  const sql = `CREATE TABLE IF NOT EXISTS ${stateTable(ctx, schema)} (
    table_name varchar(255) NOT NULL,
    stream varchar(255) NOT NULL,
    state text NOT NULL,
    updated_at timestamp NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, stream))`;
  await ctx.withClient(async (client) => {
    try {
      await client.query(sql);
    } catch (err) {
      if (!CREATE_RACE.has(codeOf(err) ?? '')) throw err;
      await client.query(sql); // the other session's table exists now: a no-op
    }
  });
}

/** Upserts the state row on `client` (inside the caller's transaction). */
export async function upsertCheckpoint(ctx: PgContext, client: PoolClient, table: TableRef, checkpoint: Checkpoint): Promise<void> {
  if (checkpoint.expected !== undefined) return fencedCheckpoint(ctx, client, table, checkpoint);
  await client.query(
    `INSERT INTO ${stateTable(ctx, table.schema)} (table_name, stream, state, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (table_name, stream) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
    [table.name, checkpoint.stream, checkpoint.state],
  );
}

/**
 * Moves the state only from the expected one: the UPDATE locks the row, so a
 * concurrent attempt waits, then finds the state moved and fails; a missing
 * row is inserted only if nobody inserted it first. Either failure rolls the
 * whole batch back (the caller's transaction).
 */
async function fencedCheckpoint(ctx: PgContext, client: PoolClient, table: TableRef, checkpoint: Checkpoint): Promise<void> {
  const params = [table.name, checkpoint.stream, checkpoint.state];
  const result =
    checkpoint.expected === null
      ? await client.query(
          `INSERT INTO ${stateTable(ctx, table.schema)} (table_name, stream, state, updated_at) VALUES ($1, $2, $3, now()) ON CONFLICT (table_name, stream) DO NOTHING`,
          params,
        )
      : await client.query(
          `UPDATE ${stateTable(ctx, table.schema)} SET state = $3, updated_at = now() WHERE table_name = $1 AND stream = $2 AND state = $4`,
          [...params, checkpoint.expected],
        );
  if (result.rowCount !== 1) {
    throw new ConnectorError(
      TestCode.CHECKPOINT_CONFLICT,
      `The checkpoint of ${table.schema}.${table.name} (${checkpoint.stream}) moved since this batch was read: another attempt wrote it. The batch rolled back; a retry continues from the stored checkpoint.`,
      true,
    );
  }
}

/** Deletes every state row of `tableName` in `schema` on `client`; nothing when the state table does not exist. */
export async function deleteTableState(ctx: PgContext, client: PoolClient, schema: string, tableName: string): Promise<void> {
  const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [stateTable(ctx, schema)]);
  if (!rows[0]?.t) return;
  await client.query(`DELETE FROM ${stateTable(ctx, schema)} WHERE table_name = $1`, [tableName]);
}

/** The committed state of `stream` for `table`; null when none (or no state table yet). Never creates anything. */
export async function readCheckpoint(ctx: PgContext, table: TableRef, stream: string): Promise<string | null> {
  return ctx.withClient(async (client) => {
    try {
      const { rows } = await client.query<{ state: string }>(
        `SELECT state FROM ${stateTable(ctx, table.schema)} WHERE table_name = $1 AND stream = $2`,
        [table.name, stream],
      );
      return rows[0]?.state ?? null;
    } catch (err) {
      const code = codeOf(err);
      if (code === UNDEFINED_TABLE || code === UNDEFINED_SCHEMA) return null;
      throw err;
    }
  });
}

/** Sets (upsert) or, with null, clears the state of `stream` for `table`: one statement, its own transaction. */
export async function writeCheckpoint(ctx: PgContext, table: TableRef, stream: string, state: string | null, expected?: string | null): Promise<void> {
  if (state === null) {
    await ctx.withClient(async (client) => {
      try {
        await client.query(`DELETE FROM ${stateTable(ctx, table.schema)} WHERE table_name = $1 AND stream = $2`, [table.name, stream]);
      } catch (err) {
        const code = codeOf(err);
        if (code !== UNDEFINED_TABLE && code !== UNDEFINED_SCHEMA) throw err; // no state table: nothing to clear
      }
    });
    return;
  }
  await ctx.ensureStateTable(table.schema);
  await ctx.withClient((client) => upsertCheckpoint(ctx, client, table, { stream, state, ...(expected !== undefined ? { expected } : {}) }));
}
