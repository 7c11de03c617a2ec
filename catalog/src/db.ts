import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Pool, type PoolClient } from 'pg';
import lockfile from 'proper-lockfile';

/** What catalog code runs SQL on: a pooled pg client or an embedded PGlite, same SQL. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface CatalogDb {
  /** Where it lives, without credentials (for messages). */
  readonly description: string;
  /** Runs `fn` in one transaction. */
  transaction<T>(fn: (db: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The schema every catalog table lives in (a shared PostgreSQL keeps it apart from other data). */
export const CATALOG_SCHEMA = 'sluice_catalog';

/** `SLUICE_CATALOG_URL` (PostgreSQL), else the embedded store under the state directory. */
export async function openCatalogDb(env: NodeJS.ProcessEnv = process.env): Promise<CatalogDb> {
  if (env.SLUICE_CATALOG_URL) return new PgCatalogDb(env.SLUICE_CATALOG_URL);
  return new EmbeddedCatalogDb(env.SLUICE_CATALOG_DIR ?? join(homedir(), '.local', 'share', 'sluice', 'catalog'));
}

class PgCatalogDb implements CatalogDb {
  private readonly pool: Pool;
  readonly description: string;

  constructor(url: string) {
    this.pool = new Pool({ connectionString: url, max: 4, application_name: 'sluice-catalog' });
    this.pool.on('error', () => undefined); // an idle client's broken socket: the next query reconnects
    const u = new URL(url);
    this.description = `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}`;
  }

  async transaction<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL search_path TO ${CATALOG_SCHEMA}, public`);
      const result = await fn({ query: async (sql, params) => (await client.query(sql, params as unknown[])).rows });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) in a directory: no server. The
 * CLI, `sluice dev`'s worker and a script may all use it, so each transaction
 * opens it under a file lock and closes it after (~0.2 s): never two
 * processes in it at once.
 */
class EmbeddedCatalogDb implements CatalogDb {
  readonly description: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.description = `embedded catalog ${dir}`;
  }

  transaction<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => this.runLocked(fn));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runLocked<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const release = await lockfile.lock(this.dir, { lockfilePath: `${this.dir}.lock`, retries: { retries: 200, minTimeout: 50, maxTimeout: 500 }, stale: 30_000 });
    try {
      const { PGlite } = await import('@electric-sql/pglite');
      const pg = await PGlite.create(join(this.dir, 'data'));
      try {
        await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${CATALOG_SCHEMA}; SET search_path TO ${CATALOG_SCHEMA}, public`);
        return await pg.transaction((tx) => fn({ query: async (sql, params) => (await tx.query(sql, params)).rows as never }));
      } finally {
        await pg.close();
      }
    } finally {
      await release();
    }
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
