import { CATALOG_SCHEMA, type CatalogDb } from './db';

/**
 * Versioned migrations, applied in order at start, each once. Never edit a
 * released one: add the next. Every statement runs in PostgreSQL and PGlite.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'connections',
    sql: `
      CREATE TABLE connections (
        id uuid PRIMARY KEY,
        config_name text NOT NULL UNIQUE,
        type text NOT NULL,
        -- the engine's Syntho config without its secrets
        config jsonb NOT NULL,
        -- the secrets (password, SSL key, SSH password/key): AES-256-GCM, iv ‖ ciphertext ‖ tag
        secrets bytea,
        secrets_key_id text,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
  },
  {
    version: 2,
    name: 'database and schema connections',
    sql: `
      CREATE TABLE database_connections (
        id uuid PRIMARY KEY,
        connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
        name text NOT NULL,
        -- the database entry while the database exists in the source; NULL once it vanished
        database_id uuid UNIQUE,
        first_seen timestamptz NOT NULL DEFAULT now(),
        last_seen timestamptz NOT NULL DEFAULT now(),
        UNIQUE (connection_id, name)
      );
      CREATE TABLE schema_connections (
        id uuid PRIMARY KEY,
        database_connection_id uuid NOT NULL REFERENCES database_connections (id) ON DELETE CASCADE,
        name text NOT NULL,
        schema_id uuid UNIQUE,
        first_seen timestamptz NOT NULL DEFAULT now(),
        last_seen timestamptz NOT NULL DEFAULT now(),
        UNIQUE (database_connection_id, name)
      )`,
  },
  {
    version: 3,
    name: 'schema cache',
    sql: `
      CREATE TABLE schema_cache_status (
        connection_id uuid PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
        refreshing_job text,
        last_refresh_started timestamptz,
        last_refresh_finished timestamptz,
        last_error text,
        generation bigint NOT NULL DEFAULT 0,
        tables integer NOT NULL DEFAULT 0,
        columns integer NOT NULL DEFAULT 0
      );
      -- one row per table; a refresh writes a new generation beside the old and switches at the end
      CREATE TABLE schema_cache_tables (
        connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
        generation bigint NOT NULL,
        schema_name text NOT NULL,
        table_name text NOT NULL,
        definition jsonb NOT NULL,
        PRIMARY KEY (connection_id, generation, schema_name, table_name)
      )`,
  },
  {
    version: 4,
    name: 'api tokens',
    sql: `
      -- bearer tokens of the REST API: only the SHA-256 of a token is kept, the token is shown once
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        scope text NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
        token_sha256 text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`,
  },
  {
    version: 5,
    name: 'job references',
    sql: `
      -- UUID job ids (Collibra's Job.id: the run's id) of jobs started through the REST API, and their workflow
      CREATE TABLE job_refs (
        id uuid PRIMARY KEY,
        workflow_id text NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- Idempotency-Key of a request that started (or joined) a job: SHA-256 of the token id and the key
      CREATE TABLE job_idempotency_keys (
        key_sha256 text PRIMARY KEY,
        job_id uuid NOT NULL REFERENCES job_refs (id) ON DELETE CASCADE,
        -- SHA-256 of the request it came with: the same key with another request is refused
        request_sha256 text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
  },
];

/** Applies the missing migrations in one transaction (PostgreSQL: under an advisory lock, so concurrent starters wait). */
export async function migrate(db: CatalogDb): Promise<number[]> {
  return db.transaction(async (q) => {
    await q.query(`CREATE SCHEMA IF NOT EXISTS ${CATALOG_SCHEMA}`);
    await q.query(`SELECT pg_advisory_xact_lock(hashtext('sluice_catalog_migrations'))`);
    await q.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await q.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const statement of m.sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await q.query(statement);
      await q.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
