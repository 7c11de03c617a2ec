import type { DdlStatement } from '@sluice/connector-sdk';
import type { PgContext } from './postgres-session';
import { SORT_IN_MEMORY } from './postgres-ddl';

/**
 * SQLSTATEs of "it is there already": duplicate_table, duplicate_object, duplicate_schema,
 * duplicate_function, invalid_table_definition (a second primary key), and unique_violation
 * (two concurrent CREATE TYPE of one name collide in pg_type's unique index).
 */
const EXISTS = new Set(['42P07', '42710', '42P06', '42723', '42P16', '23505']);
const exists = (e: { code?: string; message?: string }) =>
  EXISTS.has(e.code ?? '') && (e.code !== '42P16' || /multiple primary keys/i.test(e.message ?? ''));

export async function createSchema(ctx: PgContext, schema: string): Promise<void> {
  const sql = `CREATE SCHEMA IF NOT EXISTS ${ctx.quoteIdent(schema)}`;
  await ctx.withClient((c) =>
    c.query(sql).catch((err) => {
      // Two sessions creating it at once: the loser sees a unique violation on pg_namespace.
      if ((err as { code?: string }).code !== '23505') throw err;
    }),
  );
}

/**
 * Runs an export's statements in `schema`, in order, in one transaction with `search_path =
 * <schema>, pg_catalog` (the export's unqualified names land there; names it qualified, like
 * `public.citext`, stay where they are). Each statement under a savepoint: one whose object
 * exists already is rolled back alone and skipped, so a retried step runs the list again safely.
 * Function bodies are checked when they run, not at CREATE (like pg_dump): a SQL function may
 * name a table that comes later.
 */
export async function applyDdl(ctx: PgContext, schema: string, statements: DdlStatement[]): Promise<void> {
  if (!statements.length) return;
  await ctx.transaction(async (client) => {
    await client.query(`SELECT set_config('search_path', quote_ident($1) || ', pg_catalog', true)`, [schema]);
    await client.query(`SET LOCAL check_function_bodies = off`);
    await client.query(SORT_IN_MEMORY); // keys and indexes built over the copied rows
    for (const s of statements) {
      await client.query('SAVEPOINT sluice_ddl');
      try {
        await client.query(s.sql);
        await client.query('RELEASE SAVEPOINT sluice_ddl');
      } catch (err) {
        const e = err as { code?: string; message?: string };
        if (!exists(e)) {
          const failed = new Error(`${s.object} in ${schema}: ${e.message ?? String(err)}`);
          (failed as { code?: string }).code = e.code;
          throw failed;
        }
        await client.query('ROLLBACK TO SAVEPOINT sluice_ddl');
      }
    }
  });
}
