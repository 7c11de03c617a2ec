import { SyncPlanError, type SyncInput, type SyncJob } from '@sluice/client';
import { envWithout, runSluice } from './helpers/cli';
import { mariaQuery, mariaScript, pgQuery, pgUrl, withUrl } from './helpers/databases';
import { freshCatalogDatabase } from './helpers/catalog-db';
import { checksumOf, createMariaDb, dropMariaDb, dropPgSchema, mariaUrlFor, pgUrlFor, uniqueName, useSyncWorld } from './helpers/sync-fixtures';

// A whole-schema sync of an ordinary schema, with default flags, as a new user tries it first:
// serial keys (one row with key 0), a foreign key, a secondary index, an enum, an array, a view.
const world = useSyncWorld('first', 10);
const sample = uniqueName('sample');
const extra: { pg: string[]; maria: string[] } = { pg: [], maria: [] };

beforeAll(async () => {
  await pgQuery(`CREATE SCHEMA "${sample}"`);
  await pgQuery(`CREATE TYPE "${sample}".mpaa_rating AS ENUM ('G', 'PG', 'R')`);
  await pgQuery(`CREATE TABLE "${sample}".language (language_id serial PRIMARY KEY, name char(20) NOT NULL, last_update timestamp NOT NULL DEFAULT now())`);
  await pgQuery(`CREATE TABLE "${sample}".film (
    film_id serial PRIMARY KEY, title varchar(255) NOT NULL, language_id int NOT NULL REFERENCES "${sample}".language (language_id),
    rating "${sample}".mpaa_rating DEFAULT 'G', special_features text[], length smallint)`);
  await pgQuery(`CREATE INDEX film_title_idx ON "${sample}".film (title)`);
  // A table without any key cannot be resumed exactly: a whole-schema job skips it, and says so.
  await pgQuery(`CREATE TABLE "${sample}".audit_log (at timestamp NOT NULL DEFAULT now(), note text)`);
  await pgQuery(`INSERT INTO "${sample}".audit_log (note) VALUES ('created')`);
  await pgQuery(`CREATE VIEW "${sample}".film_list AS SELECT f.title, l.name FROM "${sample}".film f JOIN "${sample}".language l USING (language_id)`);
  // Key 0: sample databases have them, and MySQL renumbers them unless told not to.
  await pgQuery(`INSERT INTO "${sample}".language (language_id, name) VALUES (0, 'Unknown'), (1, 'English'), (2, 'Italian')`);
  await pgQuery(`SELECT setval('"${sample}".language_language_id_seq', 2)`);
  await pgQuery(`INSERT INTO "${sample}".film (title, language_id, rating, special_features, length)
    SELECT 'film ' || g, g % 3, (ARRAY['G','PG','R'])[1 + g % 3]::"${sample}".mpaa_rating, ARRAY['Trailers', 'Scene ' || g], (g % 180)::smallint
    FROM generate_series(1, 500) g`);
  await pgQuery(`ANALYZE "${sample}".language`);
  await pgQuery(`ANALYZE "${sample}".film`);
});
afterAll(async () => {
  await dropPgSchema(sample);
  for (const s of extra.pg) await dropPgSchema(s);
  for (const d of extra.maria) await dropMariaDb(d);
});

async function runSync(input: SyncInput): Promise<SyncJob> {
  const id = await world.env.client.startSync(input);
  return world.env.client.waitForJob<SyncJob>(id);
}

test('PostgreSQL → MariaDB, whole schema, default flags: COMPLETED, key 0 kept, keys, index and foreign key built, view reported', async () => {
  const maria = uniqueName('first_maria');
  extra.maria.push(maria);
  await createMariaDb(maria);
  const job = await runSync({ source: { url: pgUrlFor(sample) }, destination: { url: mariaUrlFor(maria) }, schema: sample, createTables: true });
  expect(job.message).not.toMatch(/Activity task failed/);
  expect(job).toMatchObject({ state: 'COMPLETED', tablesDone: 2, rowsWritten: 503 });
  for (const table of ['language', 'film']) {
    expect(await checksumOf(mariaUrlFor(maria), maria, table)).toEqual(await checksumOf(pgUrlFor(sample), sample, table));
  }
  expect(await mariaQuery(`SELECT language_id AS id FROM \`${maria}\`.language ORDER BY 1`)).toEqual([{ id: 0 }, { id: 1 }, { id: 2 }]);
  // char(20) stays char(20): the padding is no part of the value, and equality finds it.
  expect(await mariaQuery(`SELECT COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'language' AND COLUMN_NAME = 'name'`, [maria])).toEqual([{ t: 'char(20)' }]);
  expect(await mariaQuery(`SELECT language_id AS id FROM \`${maria}\`.language WHERE name = 'English'`)).toEqual([{ id: 1 }]);
  // AUTO_INCREMENT continues after the copied maximum.
  await mariaQuery(`INSERT INTO \`${maria}\`.language (name, last_update) VALUES ('French', NOW())`);
  expect(await mariaQuery(`SELECT MAX(language_id) AS id FROM \`${maria}\`.language`)).toEqual([{ id: 3 }]);
  const fks = await mariaQuery<{ t: string; r: string }>(
    `SELECT TABLE_NAME AS t, REFERENCED_TABLE_NAME AS r FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?`, [maria]);
  expect(fks).toEqual([{ t: 'film', r: 'language' }]);
  const indexes = await mariaQuery<{ n: string }>(
    `SELECT DISTINCT INDEX_NAME AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'film' ORDER BY 1`, [maria]);
  expect(indexes.map((i) => i.n)).toEqual(expect.arrayContaining(['PRIMARY', 'film_title_idx']));
  // What the mapping loses is said per column; the view is listed as skipped, with why.
  const film = job.tables.find((t) => t.table === `${sample}.film`)!;
  expect(film.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^column rating: (\S+\.)?mpaa_rating → /), expect.stringMatching(/^column special_features: text\[\] → /)]));
  expect(film.verification).toMatchObject({ method: 'count', expected: 500, actual: 500, ok: true });
  expect(job.skipped).toEqual(expect.arrayContaining([expect.objectContaining({ object: `view ${sample}.film_list` })]));
  expect(job.skipped).toEqual(expect.arrayContaining([{ object: `table ${sample}.audit_log`, table: `${sample}.audit_log`, reason: expect.stringContaining('no primary key') }]));
  expect(job.message).toMatch(/warning\(s\)/);
  expect(job.schemaObjects).toEqual([expect.stringMatching(/foreign key .* on .*\.film/)]);
});

test('PostgreSQL → PostgreSQL into a new schema, default flags: the schema is created, key values copied, sequences continue', async () => {
  const target = uniqueName('first_new');
  extra.pg.push(target);
  const job = await runSync({ source: { url: pgUrlFor(sample) }, destination: { url: pgUrlFor(world.dst) }, schema: sample, destinationSchema: target, createTables: true });
  expect(job).toMatchObject({ state: 'COMPLETED', tablesDone: 2, rowsWritten: 503 });
  for (const table of ['language', 'film']) {
    expect(await checksumOf(pgUrlFor(target), target, table)).toEqual(await checksumOf(pgUrlFor(sample), sample, table));
  }
  const [next] = await pgQuery<{ id: number }>(`INSERT INTO "${target}".film (title, language_id) VALUES ('new', 1) RETURNING film_id AS id`);
  expect(next!.id).toBe(501);
  const fks = await pgQuery(`SELECT conname FROM pg_constraint WHERE contype = 'f' AND connamespace = $1::regnamespace`, [target]);
  expect(fks).toHaveLength(1);
  // Same engine: the source's own types (the enum made in the new schema), index, default and view.
  const columns = await pgQuery<{ c: string; t: string; d: string | null }>(
    `SELECT a.attname AS c, format_type(a.atttypid, a.atttypmod) AS t, pg_get_expr(d.adbin, d.adrelid) AS d
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = $1::regclass AND a.attnum > 0 ORDER BY a.attnum`, [`"${target}".film`]);
  expect(columns.map((c) => [c.c, c.t])).toEqual([
    ['film_id', 'integer'], ['title', 'character varying(255)'], ['language_id', 'integer'],
    [`rating`, `${target}.mpaa_rating`], ['special_features', 'text[]'], ['length', 'smallint'],
  ]);
  expect(columns.find((c) => c.c === 'rating')!.d).toBe(`'G'::${target}.mpaa_rating`);
  expect(await pgQuery(`SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = 'film_title_idx'`, [target])).toHaveLength(1);
  expect(await pgQuery(`SELECT count(*)::int AS n FROM "${target}".film_list`)).toEqual([{ n: 501 }]); // with the row added above
  expect(job.schemaObjects).toEqual(expect.arrayContaining([expect.stringMatching(/view film_list/)]));
});

test('a schema without tables is refused before the job counts as started: typed error, CLI exit 2', async () => {
  const empty = uniqueName('first_empty');
  extra.pg.push(empty);
  await pgQuery(`CREATE SCHEMA "${empty}"`);
  const input: SyncInput = { source: { url: pgUrlFor(empty) }, destination: { url: pgUrlFor(world.dst) }, schema: empty, createTables: true };
  const id = await world.env.client.startSync(input);
  const refused = await world.env.client.waitForPlan(id).catch((err: unknown) => err);
  expect(refused).toBeInstanceOf(SyncPlanError);
  expect(refused).toMatchObject({ code: 'EMPTY_SELECTION', message: expect.stringContaining(`Source schema ${empty} has no tables`) });
  const env = { ...envWithout('TEMPORAL_ADDRESS'), TEMPORAL_ADDRESS: world.env.server.address, SLUICE_TASK_QUEUE: world.env.taskQueue };
  const cli = await runSluice(['sync', pgUrlFor(empty), pgUrlFor(world.dst), '--schema', empty, '--create-tables'], env, 120_000);
  expect(cli.code).toBe(2);
  expect(cli.stderr).toContain('has no tables');
  const missing = await runSluice(['sync', pgUrlFor(sample), pgUrlFor(world.dst), '--table', `${sample}.no_such_table`, '--create-tables'], env, 120_000);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/no_such_table does not exist/);
});

test('an existing identity column is refused at plan time, naming --identity-insert', async () => {
  await pgQuery(`CREATE TABLE "${world.dst}".language (language_id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name char(20) NOT NULL, last_update timestamp NOT NULL)`);
  const id = await world.env.client.startSync({ source: { url: pgUrlFor(sample) }, destination: { url: pgUrlFor(world.dst) }, tables: [{ schema: sample, name: 'language' }] });
  const refused = await world.env.client.waitForPlan(id).catch((err: unknown) => err);
  expect(refused).toMatchObject({ code: 'IDENTITY_COLUMN', message: expect.stringContaining('--identity-insert (API: identityInsert: true)') });
  const job = await runSync({ source: { url: pgUrlFor(sample) }, destination: { url: pgUrlFor(world.dst) }, tables: [{ schema: sample, name: 'language' }], identityInsert: true });
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: 3 });
});

test('a table that fails ends the job ERROR with that table’s own error, named, never "Activity task failed"', async () => {
  // An existing destination table with a NOT NULL column the source does not have.
  await pgQuery(`CREATE TABLE "${world.dst}".film (film_id int PRIMARY KEY, title varchar(255) NOT NULL, language_id int NOT NULL,
    rating text, special_features text[], length smallint, required_extra text NOT NULL)`);
  const ownSchema = uniqueName('first_fail');
  extra.pg.push(ownSchema);
  await pgQuery(`CREATE SCHEMA "${ownSchema}"`);
  await pgQuery(`CREATE TABLE "${ownSchema}".film (LIKE "${world.dst}".film INCLUDING ALL)`);
  const job = await runSync({ source: { url: pgUrlFor(sample) }, destination: { url: pgUrlFor(ownSchema) }, schema: sample, createTables: true, maxParallelTables: 2 });
  expect(job.state).toBe('ERROR');
  expect(job.message).toMatch(new RegExp(`^Table ${sample}\\.film: .*required_extra`));
  expect(job.tables.find((t) => t.table === `${sample}.film`)).toMatchObject({ state: 'ERROR', message: expect.stringContaining('required_extra') });
  // The table the failed job created is left whole: its primary key, deferred past the load, was built.
  const pk = await pgQuery(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p'`, [`"${ownSchema}".language`]);
  expect(pk).toEqual([{ def: 'PRIMARY KEY (language_id)' }]);
});

test('an unbounded numeric into a bounded MariaDB DECIMAL: warned per column; a value it would round fails the job, named', async () => {
  const src = uniqueName('first_num');
  const maria = uniqueName('first_num_m');
  extra.pg.push(src);
  extra.maria.push(maria);
  await pgQuery(`CREATE SCHEMA "${src}"`);
  await pgQuery(`CREATE TABLE "${src}".amounts (id int PRIMARY KEY, v numeric)`);
  await pgQuery(`INSERT INTO "${src}".amounts VALUES (1, 12.5), (2, -0.000000000000000000000000000001)`);
  await createMariaDb(maria);
  const fits = await runSync({ source: { url: pgUrlFor(src) }, destination: { url: mariaUrlFor(maria) }, schema: src, createTables: true });
  expect(fits.state).toBe('COMPLETED');
  expect(fits.tables[0]!.warnings).toEqual([expect.stringMatching(/^column v: numeric → DECIMAL\(65,30\), a value with more than 30 decimal places or 35 digits before the point fails its batch/)]);
  expect(await checksumOf(mariaUrlFor(maria), maria, 'amounts')).toEqual(await checksumOf(pgUrlFor(src), src, 'amounts'));
  // 31 decimal places: MariaDB would keep 30; the batch fails instead of storing a rounded value.
  await pgQuery(`INSERT INTO "${src}".amounts VALUES (3, 0.1234567890123456789012345678901)`);
  const rounded = await runSync({ source: { url: pgUrlFor(src) }, destination: { url: mariaUrlFor(maria) }, schema: src, createTables: true, mode: 'replace' });
  expect(rounded.state).toBe('ERROR');
  expect(rounded.message).toMatch(new RegExp(`^Table ${src}\\.amounts: .*(truncated|warning).*v`, 'i'));
  expect(await mariaQuery(`SELECT COUNT(*) AS n FROM \`${maria}\`.amounts WHERE id = 3`)).toEqual([{ n: 0 }]);
});

test('PostgreSQL → PostgreSQL into another database: the extensions the tables use are created there first', async () => {
  const src = uniqueName('first_ext');
  const exts = uniqueName('first_exts');
  extra.pg.push(src, exts);
  await pgQuery(`CREATE SCHEMA "${src}"`);
  await pgQuery(`CREATE SCHEMA "${exts}"`);
  // One extension inside the copied schema, two in a schema of their own (as hosted databases keep them).
  await pgQuery(`CREATE EXTENSION citext WITH SCHEMA "${src}"`);
  await pgQuery(`CREATE EXTENSION pg_trgm WITH SCHEMA "${exts}"`);
  await pgQuery(`CREATE EXTENSION "uuid-ossp" WITH SCHEMA "${exts}"`);
  await pgQuery(`CREATE TABLE "${src}".users (id uuid PRIMARY KEY DEFAULT "${exts}".uuid_generate_v4(), email "${src}".citext NOT NULL UNIQUE,
    aliases "${src}".citext[], name text NOT NULL)`);
  await pgQuery(`CREATE INDEX users_name_trgm ON "${src}".users USING gin (name "${exts}".gin_trgm_ops)`);
  await pgQuery(`INSERT INTO "${src}".users (email, aliases, name) VALUES ('Ann@Example.com', '{A,B}', 'Ann Lee'), ('bob@example.com', NULL, 'Bob')`);
  const db = await freshCatalogDatabase();
  try {
    const there = new URL(withUrl(pgUrl(), { database: db.name }));
    there.searchParams.set('schema', src);
    const job = await runSync({ source: { url: pgUrlFor(src) }, destination: { url: there.toString() }, schema: src, createTables: true });
    expect([job.state, job.message]).toEqual(['COMPLETED', expect.stringMatching(/^Synced/)]);
    const { Client } = await import('pg');
    const client = new Client({ connectionString: there.toString() });
    await client.connect();
    try {
      const q = async (sql: string) => (await client.query(sql)).rows;
      expect(await q(`SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY 1`)).toEqual([
        { extname: 'citext', nspname: src }, { extname: 'pg_trgm', nspname: exts }, { extname: 'uuid-ossp', nspname: exts },
      ]);
      expect(await q(`SELECT indexdef FROM pg_indexes WHERE schemaname = '${src}' AND indexname = 'users_name_trgm'`)).toEqual([
        { indexdef: expect.stringContaining(`USING gin (name ${exts}.gin_trgm_ops)`) },
      ]);
      // citext compares without case in the copy too (its operators live in the copied schema); the default still generates keys.
      await client.query(`SET search_path TO "${src}"`);
      expect(await q(`SELECT name FROM "${src}".users WHERE email = 'ANN@EXAMPLE.COM'`)).toEqual([{ name: 'Ann Lee' }]);
      await client.query(`INSERT INTO "${src}".users (email, name) VALUES ('new@example.com', 'New')`);
      expect(await q(`SELECT count(*)::int AS n FROM "${src}".users`)).toEqual([{ n: 3 }]);
    } finally {
      await client.end();
    }
  } finally {
    await db.drop();
  }
});

test('a MariaDB URL naming a database that does not exist: --create-tables creates it; without, and as a source, the plan says it is missing', async () => {
  const fresh = uniqueName('first_newdb');
  extra.maria.push(fresh);
  const refused = await world.env.client.startSync({ source: { url: pgUrlFor(sample) }, destination: { url: mariaUrlFor(fresh) }, tables: [{ schema: sample, name: 'language' }] })
    .then((id) => world.env.client.waitForPlan(id)).catch((err: unknown) => err);
  expect(refused).toBeInstanceOf(SyncPlanError);
  expect((refused as Error).message).toMatch(new RegExp(`database ${fresh} does not exist .*--create-tables`));
  const asSource = await world.env.client.startSync({ source: { url: mariaUrlFor(fresh) }, destination: { url: pgUrlFor(world.dst) }, schema: fresh })
    .then((id) => world.env.client.waitForPlan(id)).catch((err: unknown) => err);
  expect((asSource as Error).message).toMatch(new RegExp(`database ${fresh} does not exist`));
  const job = await runSync({ source: { url: pgUrlFor(sample) }, destination: { url: mariaUrlFor(fresh) }, schema: sample, createTables: true });
  expect(job).toMatchObject({ state: 'COMPLETED', tablesDone: 2 });
  for (const table of ['language', 'film']) expect(await checksumOf(mariaUrlFor(fresh), fresh, table)).toEqual(await checksumOf(pgUrlFor(sample), sample, table));
});

test('an unreachable destination says which side and which host', async () => {
  const url = new URL(pgUrlFor(world.dst));
  url.port = '1';
  const id = await world.env.client.startSync({ source: { url: pgUrlFor(sample) }, destination: { url: url.toString() }, schema: sample });
  const refused = await world.env.client.waitForPlan(id).catch((err: unknown) => err);
  expect(refused).toBeInstanceOf(SyncPlanError);
  expect((refused as Error).message).toMatch(/^destination postgresql at 127\.0\.0\.1:1: /);
}, 120_000);

/**
 * A fresh destination schema where the `language` table the job creates gets an AFTER INSERT trigger
 * running `body` per row (attached by an event trigger, removed after `run`): a destination that
 * changes rows behind the writer's back, each batch still taken whole.
 */
async function withTamperingDestination(prefix: string, body: string, run: (target: string) => Promise<void>): Promise<void> {
  const target = uniqueName(prefix);
  extra.pg.push(target);
  const event = uniqueName(`${prefix}_evt`);
  await pgQuery(`CREATE SCHEMA "${target}"`);
  await pgQuery(`CREATE FUNCTION "${target}".tamper() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body.split('$T').join(`"${target}"`)}; RETURN NULL; END $$`);
  await pgQuery(`CREATE FUNCTION "${target}".attach() RETURNS event_trigger LANGUAGE plpgsql AS $$
    DECLARE r record;
    BEGIN
      FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE object_identity = '${target}.language' AND command_tag = 'CREATE TABLE' LOOP
        EXECUTE 'CREATE TRIGGER tamper AFTER INSERT ON ${target}.language FOR EACH ROW EXECUTE FUNCTION ${target}.tamper()';
      END LOOP;
    END $$`);
  await pgQuery(`CREATE EVENT TRIGGER ${event} ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION "${target}".attach()`);
  try {
    await run(target);
  } finally {
    await pgQuery(`DROP EVENT TRIGGER IF EXISTS ${event}`);
  }
}

test('a created table that ends up short fails VERIFY_FAILED, never COMPLETED', async () => {
  // Row 2 is deleted as soon as it is written: every batch is taken whole, the table is short.
  await withTamperingDestination('first_lossy', 'DELETE FROM $T.language WHERE language_id = 2 AND NEW.language_id = 2', async (target) => {
    const job = await runSync({ source: { url: pgUrlFor(sample) }, destination: { url: pgUrlFor(target) }, tables: [{ schema: sample, name: 'language' }], createTables: true });
    expect(job.state).toBe('ERROR');
    expect(job.message).toBe(`Table ${sample}.language: destination ${target}.language holds 2 row(s) after the copy, but 3 were written: ` +
      'the destination dropped, merged or renumbered rows (a trigger, a key it rewrites, a duplicate key)');
  });
});

test('--verify checksum: a same-engine copy is checksummed on both servers; a value changed on the way fails it', async () => {
  const target = uniqueName('first_sum');
  extra.pg.push(target);
  const job = await runSync({ source: { url: pgUrlFor(sample) }, destination: { url: pgUrlFor(world.dst) }, schema: sample, destinationSchema: target, createTables: true, verify: 'checksum' });
  expect(job.state).toBe('COMPLETED');
  const film = job.tables.find((t) => t.table === `${sample}.film`)!;
  expect(film.verification).toMatchObject({ method: 'checksum', expected: 500, actual: 500, ok: true, checksumSource: expect.stringMatching(/^\d+$/) });
  expect(film.verification!.checksumDestination).toBe(film.verification!.checksumSource);

  // A destination that changes a value as it is written: the count agrees, the checksum does not.
  await withTamperingDestination('first_changed', "UPDATE $T.language SET name = 'Changed' WHERE language_id = NEW.language_id AND NEW.language_id = 1", async (changed) => {
    const bad = await runSync({ source: { url: pgUrlFor(sample) }, destination: { url: pgUrlFor(changed) }, tables: [{ schema: sample, name: 'language' }], createTables: true, verify: 'checksum' });
    expect(bad.state).toBe('ERROR');
    expect(bad.message).toMatch(new RegExp(`^Table ${sample}\\.language: destination ${changed}\\.language differs from the source: checksum \\d+ over 3 row\\(s\\), source \\d+ over 3`));
  });
  // Across engines the checksums would not compare: refused before the job starts.
  const maria = uniqueName('first_summaria');
  extra.maria.push(maria);
  await createMariaDb(maria);
  const id = await world.env.client.startSync({ source: { url: pgUrlFor(sample) }, destination: { url: mariaUrlFor(maria) }, schema: sample, createTables: true, verify: 'checksum' });
  await expect(world.env.client.waitForPlan(id)).rejects.toMatchObject({ code: 'UNSUPPORTED_CAPABILITY', message: expect.stringContaining('--verify checksum compares servers of the same engine') });
});

test('the CLI summary shows each lossy mapping, what was created after the tables and what was not carried', async () => {
  const maria = uniqueName('first_cli');
  extra.maria.push(maria);
  await createMariaDb(maria);
  const env = { ...envWithout('TEMPORAL_ADDRESS'), TEMPORAL_ADDRESS: world.env.server.address, SLUICE_TASK_QUEUE: world.env.taskQueue };
  const result = await runSluice(['sync', pgUrlFor(sample), mariaUrlFor(maria), '--schema', sample, '--create-tables'], env, 120_000);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(new RegExp(`^  ${sample}\\.film\\s+COMPLETED\\s+500\\s+500\\s+count$`, 'm'));
  expect(result.stdout).toMatch(/^    warning: column special_features: text\[\] → LONGTEXT, carried as its text form/m);
  expect(result.stdout).toMatch(/^  created: foreign key \S+ on \S+\.film$/m);
  expect(result.stdout).toMatch(new RegExp(`^  not carried: view ${sample}\\.film_list — views are recreated between servers of the same engine only`, 'm'));
  expect(result.stdout).toMatch(new RegExp(`^  not carried: table ${sample}\\.audit_log — no primary key`, 'm'));
});

test('timestamptz outside 1970–2038 (a birth, an expiry, 9999-12-31) copies to a created MariaDB table exactly, and back', async () => {
  const schema = uniqueName('first_ts');
  const maria = uniqueName('first_ts');
  const back = uniqueName('first_ts_back');
  extra.pg.push(schema, back);
  extra.maria.push(maria);
  await pgQuery(`CREATE SCHEMA "${schema}"`);
  await pgQuery(`CREATE SCHEMA "${back}"`);
  await createMariaDb(maria);
  await pgQuery(`CREATE TABLE "${schema}".subs (id int PRIMARY KEY, at timestamptz)`);
  const instants = ['1969-07-20T20:17:40.123456Z', '1950-01-01T00:00:00.000000Z', '2050-06-01T10:00:00.000001Z', '9999-12-31T00:00:00.000000Z', '1000-01-01T00:00:00.000000Z'];
  for (const [i, at] of instants.entries()) await pgQuery(`INSERT INTO "${schema}".subs VALUES ($1, $2)`, [i + 1, at]);
  // TIMESTAMP(6) held 1970–2038 only: every one of these rows failed the batch.
  const there = await runSync({ source: { url: pgUrlFor(schema) }, destination: { url: mariaUrlFor(maria) }, schema, createTables: true });
  expect(there).toMatchObject({ state: 'COMPLETED', rowsWritten: instants.length });
  expect(there.tables[0]!.warnings).toContain('column at: timestamp with time zone → DATETIME(6), held in UTC without its time zone');
  const [column] = await mariaQuery<{ t: string }>(`SELECT COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'subs' AND COLUMN_NAME = 'at'`, [maria]);
  expect(column!.t).toBe('datetime(6)');
  const stored = await mariaQuery<{ at: string }>(`SELECT DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%s.%fZ') AS at FROM \`${maria}\`.subs ORDER BY id`);
  expect(stored.map((r) => r.at)).toEqual(instants);
  // Back to PostgreSQL: the same instants, read as UTC wall clock times.
  const home = await runSync({ source: { url: mariaUrlFor(maria) }, destination: { url: pgUrlFor(back) }, tables: [{ schema: maria, name: 'subs' }], createTables: true });
  expect(home).toMatchObject({ state: 'COMPLETED', rowsWritten: instants.length });
  const returned = await pgQuery<{ at: string }>(`SELECT to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM "${back}".subs ORDER BY id`);
  expect(returned.map((r) => r.at)).toEqual(instants);
});

test('MySQL zero dates: refused by default naming the column, the row and --zero-dates; copied as NULL with it; kept between MariaDB servers', async () => {
  const legacy = uniqueName('first_zero');
  const pg = uniqueName('first_zero_pg');
  const copy = uniqueName('first_zero_copy');
  extra.maria.push(legacy, copy);
  extra.pg.push(pg);
  await createMariaDb(legacy);
  await createMariaDb(copy);
  await pgQuery(`CREATE SCHEMA "${pg}"`);
  // A legacy table: written without strict mode, as old MySQL applications did.
  await mariaScript([
    `SET SESSION sql_mode = ''`,
    `CREATE TABLE \`${legacy}\`.orders (id INT PRIMARY KEY, placed DATE NOT NULL, shipped DATETIME NULL, note VARCHAR(20))`,
    `INSERT INTO \`${legacy}\`.orders VALUES (1, '2024-05-05', '2024-05-06 10:00:00', 'fine'), (2, '0000-00-00', '0000-00-00 00:00:00', 'zero'), (3, '2024-01-00', '2024-00-01 12:00:00', 'zero parts')`,
  ]);
  const input = (zeroDates?: 'null'): SyncInput => ({
    source: { url: mariaUrlFor(legacy) }, destination: { url: pgUrlFor(pg) }, tables: [{ schema: legacy, name: 'orders' }], createTables: true, ...(zeroDates ? { zeroDates } : {}),
  });
  const refused = await runSync(input());
  expect(refused.state).toBe('ERROR');
  expect(refused.message).toMatch(/column placed of \S+\.orders holds the zero date '0000-00-00' in the row with key \(id\) = \(2\).*--zero-dates null \(API: zeroDates: 'null'\)/);
  await pgQuery(`DROP TABLE IF EXISTS "${pg}".orders`);
  const asNull = await runSync(input('null'));
  expect(asNull).toMatchObject({ state: 'COMPLETED', rowsWritten: 3 });
  expect(asNull.tables[0]!.warnings).toContain('column placed: NOT NULL dropped, its zero dates are copied as NULL (--zero-dates null)');
  const rows = await pgQuery<{ id: number; placed: string | null; shipped: string | null; note: string }>(
    `SELECT id, to_char(placed, 'YYYY-MM-DD') AS placed, to_char(shipped, 'YYYY-MM-DD HH24:MI:SS') AS shipped, note FROM "${pg}".orders ORDER BY id`,
  );
  expect(rows).toEqual([
    { id: 1, placed: '2024-05-05', shipped: '2024-05-06 10:00:00', note: 'fine' },
    { id: 2, placed: null, shipped: null, note: 'zero' },
    { id: 3, placed: null, shipped: null, note: 'zero parts' },
  ]);
  // Between MariaDB servers a zero date is a value like any other.
  const kept = await runSync({ source: { url: mariaUrlFor(legacy) }, destination: { url: mariaUrlFor(copy) }, tables: [{ schema: legacy, name: 'orders' }], createTables: true });
  expect(kept).toMatchObject({ state: 'COMPLETED', rowsWritten: 3 });
  const copied = await mariaQuery<{ placed: string; shipped: string }>(`SELECT CAST(placed AS CHAR) AS placed, CAST(shipped AS CHAR) AS shipped FROM \`${copy}\`.orders ORDER BY id`);
  expect(copied.map((r) => [r.placed, r.shipped])).toEqual([
    ['2024-05-05', '2024-05-06 10:00:00'],
    ['0000-00-00', '0000-00-00 00:00:00'],
    ['2024-01-00', '2024-00-01 12:00:00'],
  ]);
});
