import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ConnectorRegistry, type ConnectorPlugin, type ConnectorSession, type DdlStatement, type NativeSchemaDdl } from '@sluice/connector-sdk';
import postgres from '@sluice/connector-postgres';
import { ZOO_FUNCTIONS, ZOO_KEYLESS, ZOO_PARTITIONS, ZOO_SUBPARTITIONS, ZOO_TABLES, ZOO_VIEWS, zooDdl, zooRows } from './zoo';

// Same-engine schema copies against the real PostgreSQL of `npm test`: export from A, apply to B, compare catalogs.
const registry = new ConnectorRegistry().register(postgres as ConnectorPlugin);
const qi = (name: string) => '"' + name.replace(/"/g, '""') + '"';

let admin: Client;
let session: ConnectorSession;
const schemas: string[] = [];

beforeAll(async () => {
  admin = new Client({ connectionString: process.env.SLUICE_PG_URL });
  admin.on('error', () => undefined);
  await admin.connect();
  session = await postgres.open(registry.resolve({ url: process.env.SLUICE_PG_URL! }).config);
});
afterAll(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${qi(s)} CASCADE`);
  await session.close();
  await admin.end();
});

function schemaName(prefix = 'sluice_ddl'): string {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  schemas.push(name);
  return name;
}

async function newSchema(prefix?: string): Promise<string> {
  const name = schemaName(prefix);
  await admin.query(`CREATE SCHEMA ${qi(name)}`);
  return name;
}

async function exec(statements: string[]): Promise<void> {
  for (const sql of statements) await admin.query(sql);
}

/** Every catalog fact a copy must reproduce, as text with the schema's name replaced by `S`. */
async function catalogOf(schema: string): Promise<Record<string, unknown[]>> {
  const q = async (sql: string) => {
    const { rows } = await admin.query(sql, [schema]);
    const named = (v: unknown): unknown =>
      typeof v === 'string' ? v.split(qi(schema)).join('S').split(schema).join('S')
        : Array.isArray(v) ? v.map(named)
        : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, named(x)])) : v;
    return rows.map(named);
  };
  const inSchema = `c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)`;
  return {
    relations: await q(`SELECT c.relname, c.relkind, c.relpersistence, c.reloptions, c.relrowsecurity, obj_description(c.oid, 'pg_class') AS comment,
        CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
        pg_get_expr(c.relpartbound, c.oid) AS bound, (SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid) AS parent
      FROM pg_class c WHERE ${inSchema} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'c') ORDER BY c.relname`),
    columns: await q(`SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attcollation::regcollation::text AS collation,
        a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity, a.attgenerated, col_description(c.oid, a.attnum) AS comment
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE ${inSchema} AND c.relkind IN ('r', 'p', 'v', 'm', 'c') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`),
    constraints: await q(`SELECT c.relname, con.conname, con.contype, con.convalidated, con.condeferrable, con.condeferred, pg_get_constraintdef(con.oid) AS def
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid WHERE ${inSchema} ORDER BY c.relname, con.conname`),
    indexes: await q(`SELECT c.relname, i.relname AS index, pg_get_indexdef(ix.indexrelid) AS def
      FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class c ON c.oid = ix.indrelid WHERE ${inSchema} ORDER BY c.relname, i.relname`),
    triggers: await q(`SELECT c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) AS def
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE ${inSchema} AND NOT t.tgisinternal ORDER BY c.relname, t.tgname`),
    views: await q(`SELECT c.relname, c.relispopulated, pg_get_viewdef(c.oid) AS def FROM pg_class c WHERE ${inSchema} AND c.relkind IN ('v', 'm') ORDER BY c.relname`),
    types: await q(`SELECT t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull, t.typdefault, t.typcollation::regcollation::text AS collation,
        (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
        (SELECT json_agg(con.conname || ' ' || pg_get_constraintdef(con.oid) ORDER BY con.conname) FROM pg_constraint con WHERE con.contypid = t.oid) AS checks
      FROM pg_type t WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) ORDER BY t.typname`),
    sequences: await q(`SELECT c.relname, format_type(s.seqtypid, NULL) AS type, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
        (SELECT o.relname || '.' || a.attname || ':' || d.deptype::text FROM pg_depend d JOIN pg_class o ON o.oid = d.refobjid
           JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
           WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')) AS owner
      FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE ${inSchema} ORDER BY c.relname`),
    functions: await q(`SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args, p.prosrc
      FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) ORDER BY 1, 2`),
  };
}

/** The export applied to `into` phase by phase as a copy runs it, the rows loaded between `create` and `keys`. */
async function copySchema(ddl: NativeSchemaDdl, from: string, into: string, options: { views?: boolean } = {}): Promise<void> {
  const tables = ddl.tables;
  await session.applyDdl!(into, ddl.prerequisites);
  for (const t of tables) await session.applyDdl!(into, t.create);
  for (const t of tables) await loadRows(from, into, t.name);
  for (const t of tables) await session.applyDdl!(into, t.keys);
  for (const t of tables) await session.applyDdl!(into, t.indexes);
  for (const t of tables) await session.applyDdl!(into, t.foreignKeys);
  for (const t of tables) await session.applyDdl!(into, t.after);
  if (options.views !== false) {
    await session.applyDdl!(into, ddl.types ?? []);
    await session.applyDdl!(into, ddl.functions ?? []);
    await session.applyDdl!(into, ddl.views.filter((v) => !v.external.length));
  }
}

/** INSERT … SELECT of every column a writer writes (not generated ones), explicit identity values kept. */
async function loadRows(from: string, into: string, table: string): Promise<void> {
  // Values of the schema's own types (enum, domain, composite) pass as text: the two schemas' types are distinct.
  const { rows } = await admin.query<{ name: string; type: string; own: boolean }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            (t.typnamespace = c.relnamespace OR EXISTS (SELECT 1 FROM pg_type e WHERE e.oid = t.typelem AND e.typnamespace = c.relnamespace)) AS own
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum`,
    [`${qi(into)}.${qi(table)}`],
  );
  const list = rows.map((r) => qi(r.name)).join(', ');
  const values = rows.map((r) => (r.own ? `${qi(r.name)}::text::${r.type}` : qi(r.name))).join(', ');
  await admin.query(`INSERT INTO ${qi(into)}.${qi(table)} (${list}) OVERRIDING SYSTEM VALUE SELECT ${values} FROM ${qi(from)}.${qi(table)}`);
}

async function zoo(): Promise<{ a: string; other: string }> {
  const a = await newSchema('sluice_zoo');
  const other = await newSchema('sluice_zoo_other');
  await exec(zooDdl(a, other));
  await exec(zooRows(a));
  return { a, other };
}

describe('exportDdl → applyDdl (PostgreSQL → PostgreSQL)', () => {
  let a: string;
  let other: string;
  let ddl: NativeSchemaDdl;
  let b: string;

  beforeAll(async () => {
    ({ a, other } = await zoo());
    ddl = await session.exportDdl!(a, { tables: [...ZOO_TABLES, ZOO_KEYLESS], includeViews: true });
    b = schemaName('sluice_zoo_copy');
    await session.createSchema!(b);
    await session.createSchema!(b); // a no-op the second time
    await copySchema(ddl, a, b);
    // The external view reads a table of another schema: present at the destination too, so create it by hand.
    await session.applyDdl!(b, ddl.views.filter((v) => v.external.length));
  });

  test('the export: engine, tables without their partitions, views in dependency order, externals named', () => {
    expect(ddl.engine).toBe('postgresql');
    expect(ddl.serverVersion).toMatch(/^\d+/);
    expect(ddl.tables.map((t) => t.name).sort()).toEqual([...ZOO_TABLES, ZOO_KEYLESS].sort());
    const measurement = ddl.tables.find((t) => t.name === 'measurement')!;
    expect(measurement.create.map((s) => s.object)).toEqual(
      ['table measurement', ...[...ZOO_PARTITIONS, ...ZOO_SUBPARTITIONS].map((p) => `partition ${p}`)],
    );
    // The partitioned table's index once (cascading to the partitions), a partition's own index and foreign key too, named so.
    expect(measurement.indexes.map((s) => s.object)).toEqual(['index measurement_value_idx', 'index measurement_h1_taken_idx (partition measurement_other_h1)']);
    expect(measurement.foreignKeys.map((s) => s.object)).toEqual([
      'foreign key measurement_2024_01_tagged_fk (partition measurement_2024_01)', 'foreign key measurement_2024_01_tagged_fk (partition measurement_2024_01) (validate)',
    ]);
    // A trigger calling a built-in function (tsvector_update_trigger) is carried.
    expect(ddl.tables.find((t) => t.name === 'order')!.after.map((s) => s.object)).toContain('trigger order_search_tsv on order');
    // The schema's functions and aggregates, plain ones first; one over a table's row type names it.
    expect(ddl.functions!.map((f) => f.object)).toEqual([...ZOO_FUNCTIONS.filter((f) => !f.startsWith('aggregate')), ...ZOO_FUNCTIONS.filter((f) => f.startsWith('aggregate'))]);
    expect(ddl.functions!.find((f) => f.name === 'customers_with_orders()')).toMatchObject({ dependsOn: ['customer'] });
    // A type no table uses comes with the whole schema.
    expect(ddl.types!.map((t) => t.object)).toEqual(['domain unused_code']);
    expect(measurement.indexes[0]!.sql).not.toContain('ONLY');
    // A CHECK not yet validated at the source is added NOT VALID after the rows.
    expect(ddl.tables.find((t) => t.name === 'item')!.after.map((s) => s.sql)).toEqual([
      'ALTER TABLE "item" ADD CONSTRAINT "item_price_check" CHECK ((price < (1000)::numeric)) NOT VALID',
    ]);
    expect(ddl.views.map((v) => v.name).sort()).toEqual([...ZOO_VIEWS].sort());
    const at = (name: string) => ddl.views.findIndex((v) => v.name === name);
    expect(at('order_summary')).toBeLessThan(at('big_orders'));
    expect(ddl.views.find((v) => v.name === 'big_orders')).toMatchObject({ dependsOn: ['order_summary'], external: [] });
    expect(ddl.views.find((v) => v.name === 'order_summary')).toMatchObject({ dependsOn: ['customer', 'order'], external: [] });
    expect(ddl.views.find((v) => v.name === 'other_view')).toMatchObject({ dependsOn: ['customer'], external: [`${other}.other_ref`] });
    // Nothing names the source schema: it lands wherever applyDdl runs it.
    const all: DdlStatement[] = [...ddl.prerequisites, ...ddl.tables.flatMap((t) => [...t.create, ...t.keys, ...t.indexes, ...t.foreignKeys, ...t.after]), ...ddl.types!, ...ddl.functions!, ...ddl.views];
    expect(all.filter((s) => s.sql.includes(a))).toEqual([]);
    // No keys or indexes before the rows.
    for (const t of ddl.tables) for (const s of t.create) expect(s.sql).not.toMatch(/PRIMARY KEY|UNIQUE|REFERENCES|CREATE INDEX/);
    const order = ddl.tables.find((t) => t.name === 'order')!;
    expect(order.foreignKeys).toEqual([
      expect.objectContaining({ object: 'foreign key order_customer_fk', referencedSchema: a, referencedTable: 'customer' }),
      expect.objectContaining({ object: 'foreign key order_customer_fk (validate)', referencedSchema: a, referencedTable: 'customer' }),
    ]);
    expect(ddl.skipped).toEqual([]);
  });

  test('the copy has the same catalog: columns, constraints, indexes, triggers, partitions, comments, views, types, sequences', async () => {
    const [source, copy] = [await catalogOf(a), await catalogOf(b)];
    for (const kind of Object.keys(source)) {
      expect(source[kind]!.length).toBeGreaterThan(0);
      expect({ kind, facts: copy[kind] }).toEqual({ kind, facts: source[kind] });
    }
    expect(source.columns.length).toBeGreaterThan(30);
    expect(source.indexes.length).toBeGreaterThan(10);
  });

  test('the rows are all there, key 0 and padded char(20) included, generated columns recomputed', async () => {
    for (const t of [...ZOO_TABLES, 'order_totals']) {
      const { rows } = await admin.query(
        `SELECT (SELECT count(*) FROM (SELECT r::text FROM ${qi(a)}.${qi(t)} r EXCEPT ALL SELECT r::text FROM ${qi(b)}.${qi(t)} r) x)::int AS missing,
                (SELECT count(*) FROM (SELECT r::text FROM ${qi(b)}.${qi(t)} r EXCEPT ALL SELECT r::text FROM ${qi(a)}.${qi(t)} r) x)::int AS extra,
                (SELECT count(*) FROM ${qi(b)}.${qi(t)})::int AS n`,
      );
      expect({ t, ...rows[0] }).toEqual({ t, missing: 0, extra: 0, n: expect.any(Number) });
      expect(rows[0].n).toBeGreaterThan(0);
    }
    const { rows } = await admin.query(`SELECT note, octet_length(note) AS bytes, total_with_tax::text FROM ${qi(b)}."order" WHERE id = 0`);
    expect(rows).toEqual([{ note: 'English             ', bytes: 20, total_with_tax: '0.000' }]);
  });

  test('constraints, triggers and defaults act in the copy', async () => {
    const tb = (t: string) => `${qi(b)}.${qi(t)}`;
    await expect(admin.query(`INSERT INTO ${tb('order')} (id, customer_id, total) VALUES (50, 100, -1)`)).rejects.toThrow(/order_total_check/);
    await expect(admin.query(`INSERT INTO ${tb('order')} (id, customer_id, total) VALUES (50, 999, 1)`)).rejects.toThrow(/order_customer_fk/);
    await expect(admin.query(`INSERT INTO ${tb('customer')} (email) VALUES ('no-at-sign')`)).rejects.toThrow(/email_check/);
    await expect(admin.query(`INSERT INTO ${tb('customer')} (id, email) VALUES (1, 'x@y')`)).rejects.toThrow(/non-DEFAULT value/);
    // Rows route through the copied partitions: a month, else the default partition's hash sub-partitions.
    const routed = await admin.query(
      `INSERT INTO ${tb('measurement')} VALUES (10, '2024-02-02', 1), (11, '2025-01-01', 1), (12, '2025-01-01', 1) RETURNING tableoid::regclass::text AS part`,
    );
    expect(routed.rows.map((r) => r.part.replace(`${b}.`, ''))).toEqual(['measurement_2024_02', expect.stringMatching(/^measurement_other_h[01]$/), expect.stringMatching(/^measurement_other_h[01]$/)]);
    // The trigger (with the copied function) fires on update; the disabled one stays disabled.
    await admin.query(`UPDATE ${tb('order')} SET code = 'new-code' WHERE id = 1`);
    const { rows } = await admin.query(`SELECT search::text FROM ${tb('order')} WHERE id = 1`);
    expect(rows[0].search).toContain(`'new-code'`);
  });

  test('applyDdl twice is a no-op: every phase again leaves the catalog as it was', async () => {
    const before = await catalogOf(b);
    await session.applyDdl!(b, ddl.prerequisites);
    for (const t of ddl.tables) {
      for (const phase of [t.create, t.keys, t.indexes, t.foreignKeys, t.after]) await session.applyDdl!(b, phase);
    }
    await session.applyDdl!(b, ddl.types!);
    await session.applyDdl!(b, ddl.functions!);
    await session.applyDdl!(b, ddl.views);
    expect(await catalogOf(b)).toEqual(before);
  });

  test('a failing statement fails the phase by object name and applies none of it', async () => {
    const c = schemaName();
    await session.createSchema!(c);
    await expect(
      session.applyDdl!(c, [
        { object: 'table fine', sql: 'CREATE TABLE fine (id int)' },
        { object: 'table broken', sql: 'CREATE TABLE broken (id no_such_type)' },
      ]),
    ).rejects.toThrow(/table broken in .*no_such_type/);
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = $1::regnamespace`, [c]);
    expect(rows[0].n).toBe(0);
  });
});

test('a table list leaves the other tables, their types and their functions out; views only with includeViews', async () => {
  const { a } = await zoo();
  const ddl = await session.exportDdl!(a, { tables: ['item', 'measurement', 'no_such_table'] });
  expect(ddl.tables.map((t) => t.name)).toEqual(['item', 'measurement']);
  expect(ddl.prerequisites).toEqual([]); // item and measurement use no enum, domain, sequence or function
  expect(ddl.views).toEqual([]);
  // item's foreign key to "order" is exported with its referenced table, for the caller to keep or drop.
  expect(ddl.tables[0]!.foreignKeys[0]).toMatchObject({ referencedSchema: a, referencedTable: 'order' });

  const orderOnly = await session.exportDdl!(a, { tables: ['order'] });
  expect(orderOnly.prerequisites.map((s) => s.object)).toEqual([
    'type mood', 'domain positive', 'sequence invoice_no_seq', 'sequence order_id_seq', 'function order_touch()',
  ]);
});

test('skipped: row-level security, rules, triggers with a foreign or non-SQL function, types of other schemas', async () => {
  const s = await newSchema();
  const o = await newSchema();
  await exec([
    `CREATE TYPE ${qi(o)}.colour AS ENUM ('red')`,
    `CREATE TABLE ${qi(s)}.t (id int PRIMARY KEY, c ${qi(o)}.colour)`,
    `ALTER TABLE ${qi(s)}.t ENABLE ROW LEVEL SECURITY`,
    `CREATE POLICY own ON ${qi(s)}.t USING (id > 0)`,
    `CREATE RULE no_delete AS ON DELETE TO ${qi(s)}.t DO INSTEAD NOTHING`,
    `CREATE FUNCTION ${qi(o)}.elsewhere() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$`,
    `CREATE TRIGGER foreign_fn BEFORE INSERT ON ${qi(s)}.t FOR EACH ROW EXECUTE FUNCTION ${qi(o)}.elsewhere()`,
    `CREATE FUNCTION ${qi(s)}.names_itself() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO ${qi(s)}.t VALUES (0); RETURN NEW; END$$`,
    `CREATE TRIGGER self_naming AFTER INSERT ON ${qi(s)}.t FOR EACH ROW EXECUTE FUNCTION ${qi(s)}.names_itself()`,
    `CREATE STATISTICS t_stats ON id, c FROM ${qi(s)}.t`,
    `GRANT SELECT ON ${qi(s)}.t TO PUBLIC`,
  ]);
  const ddl = await session.exportDdl!(s, { tables: ['t'] });
  expect(ddl.skipped.map((x) => x.object).sort()).toEqual([
    'function names_itself()',
    'policy own on t',
    'privileges on t',
    'row-level security on t',
    'rule no_delete on t',
    'statistics t_stats on t',
    'trigger foreign_fn on t',
    'trigger self_naming on t',
    `type ${o}.colour`,
  ]);
  expect(ddl.skipped.every((x) => x.reason.length > 10)).toBe(true);
  expect(ddl.tables[0]!.after).toEqual([]);
  // The other schema's type stays qualified: the destination resolves it where it is.
  expect(ddl.tables[0]!.create[0]!.sql).toContain(`${o}.colour`);
});

test('a 1,000-column table and 63-byte names export and apply', async () => {
  const s = await newSchema();
  const long = 'x'.repeat(55) + 'é'.repeat(4); // 63 bytes
  expect(Buffer.byteLength(long)).toBe(63);
  const cols = Array.from({ length: 1000 }, (_, i) => `c${i} ${i % 3 ? 'integer' : 'text'}${i % 7 ? '' : ' NOT NULL DEFAULT 1'}`);
  await exec([
    `CREATE TABLE ${qi(s)}.wide (id int PRIMARY KEY, ${cols.join(', ')})`,
    `CREATE TYPE ${qi(s)}.${qi(long.replace('x', 'e'))} AS ENUM ('a')`,
    `CREATE TABLE ${qi(s)}.${qi(long)} (${qi(long)} int GENERATED BY DEFAULT AS IDENTITY, e ${qi(s)}.${qi(long.replace('x', 'e'))},
       CONSTRAINT ${qi(long.replace('x', 'p'))} PRIMARY KEY (${qi(long)}))`,
    `CREATE INDEX ${qi(long.replace('x', 'i'))} ON ${qi(s)}.${qi(long)} (e)`,
    `INSERT INTO ${qi(s)}.${qi(long)} (e) VALUES ('a')`,
  ]);
  const ddl = await session.exportDdl!(s, { tables: ['wide', long] });
  const b = schemaName();
  await session.createSchema!(b);
  await copySchema(ddl, s, b);
  expect(await catalogOf(b)).toEqual(await catalogOf(s));
});

test('countRows: the whole table, and key ranges after < (k…) <= until as a read binds them', async () => {
  const s = await newSchema();
  await exec([
    `CREATE TABLE ${qi(s)}.t (a int, b text, PRIMARY KEY (a, b))`,
    `INSERT INTO ${qi(s)}.t SELECT i / 10, 'k' || (i % 10) FROM generate_series(0, 99) i`,
  ]);
  const table = { schema: s, name: 't' };
  expect(await session.countRows!(table)).toBe(100);
  expect(await session.countRows!(table, { key: ['a', 'b'], after: null, until: null })).toBe(100);
  expect(await session.countRows!(table, { key: ['a', 'b'], after: [4, 'k4'], until: null })).toBe(55);
  expect(await session.countRows!(table, { key: ['a', 'b'], after: null, until: [0, 'k0'] })).toBe(1);
  expect(await session.countRows!(table, { key: ['a', 'b'], after: [2, 'k9'], until: [5, 'k2'] })).toBe(23);
  await expect(session.countRows!(table, { key: ['a', 'b'], after: [1], until: null })).rejects.toThrow(/1 values for key/);
});

test('the export runs the same number of catalog queries for 2 tables and for 120', async () => {
  const s = await newSchema();
  const statements: string[] = [`CREATE TYPE ${qi(s)}.kind AS ENUM ('a', 'b')`];
  for (let i = 0; i < 120; i++) {
    statements.push(
      `CREATE TABLE ${qi(s)}.t${i} (id serial PRIMARY KEY, k ${qi(s)}.kind, parent integer REFERENCES ${qi(s)}.t${i} (id), v text CHECK (v <> ''))`,
      `CREATE INDEX t${i}_v_idx ON ${qi(s)}.t${i} (lower(v))`,
    );
  }
  await exec(statements);
  const queries = jest.spyOn(Client.prototype, 'query');
  try {
    const few = await session.exportDdl!(s, { tables: ['t0', 't1'] });
    const fewQueries = queries.mock.calls.length;
    queries.mockClear();
    const many = await session.exportDdl!(s, { tables: Array.from({ length: 120 }, (_, i) => `t${i}`) });
    expect(queries.mock.calls.length).toBe(fewQueries);
    expect(fewQueries).toBeGreaterThan(5); // the spy sees the session's queries
    expect(fewQueries).toBeLessThan(20);
    expect(few.tables).toHaveLength(2);
    expect(many.tables).toHaveLength(120);
    expect(many.prerequisites.filter((p) => p.object.startsWith('sequence'))).toHaveLength(120);
  } finally {
    queries.mockRestore();
  }
});

test('adversarial schema and object names: quotes, spaces, capitals, a dot', async () => {
  const s = `Weird "Src". ${randomBytes(3).toString('hex')}`;
  schemas.push(s);
  await admin.query(`CREATE SCHEMA ${qi(s)}`);
  const S = qi(s);
  await exec([
    `CREATE TYPE ${S}."Kind ""A""" AS ENUM ('x''y', 'z')`,
    `CREATE TABLE ${S}."Tab.le ""1""" (id serial PRIMARY KEY, "K" ${S}."Kind ""A""" DEFAULT 'z', "v al" text COLLATE "C")`,
    `CREATE INDEX "idx ""v""" ON ${S}."Tab.le ""1""" ("v al" DESC NULLS LAST)`,
    `CREATE FUNCTION ${S}."Touch"() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW."v al" := upper(NEW."v al"); RETURN NEW; END$$`,
    `CREATE TRIGGER "Touch it" BEFORE INSERT ON ${S}."Tab.le ""1""" FOR EACH ROW EXECUTE FUNCTION ${S}."Touch"()`,
    `CREATE VIEW ${S}."V w" AS SELECT id, "K" FROM ${S}."Tab.le ""1"""`,
    `INSERT INTO ${S}."Tab.le ""1""" ("v al") VALUES ('a'), ('b')`,
  ]);
  const ddl = await session.exportDdl!(s, { tables: ['Tab.le "1"'], includeViews: true });
  expect(ddl.skipped).toEqual([]);
  const b = `Weird "Dst". ${randomBytes(3).toString('hex')}`;
  schemas.push(b);
  await session.createSchema!(b);
  await copySchema(ddl, s, b);
  expect(await catalogOf(b)).toEqual(await catalogOf(s));
  const { rows } = await admin.query(`INSERT INTO ${qi(b)}."Tab.le ""1""" (id, "v al") VALUES (9, 'c') RETURNING "K"::text, "v al"`);
  expect(rows).toEqual([{ K: 'z', 'v al': 'C' }]);
});
