import {
  ConnectorError,
  TestCode,
  type CanonicalType,
  type ForeignKeySchema,
  type IndexSchema,
  type TableDefinition,
  type TableRef,
  type TableSchema,
  type UniqueConstraint,
} from '@sluice/connector-sdk';
import { randomBytes } from 'node:crypto';
import { deleteStates } from './db2-checkpoint';
import { introspectSchema, tableColumns } from './db2-introspect';
import { encodeParam, markerExpr, tagOf, toNative } from './db2-types';
import { runInTransaction, type Db2Context } from './db2-session';
import type { Db2Param } from './db2-driver';

const fail = (message: string) => new ConnectorError(TestCode.DRIVER_ERROR, message, false);
const name = (t: TableRef) => `${t.schema}.${t.name}`;
type Quote = (s: string) => string;
const qualified = (q: Quote, t: TableRef) => `${q(t.schema)}.${q(t.name)}`;
const lit = (text: string) => `'${text.replace(/'/g, "''")}'`;

// ---- data -----------------------------------------------------------------

/** TRUNCATE must be the first statement of its unit of work (autocommit gives it one); delete triggers do not fire, as on other engines. */
export function truncateSql(table: string): string {
  return `TRUNCATE TABLE ${table} REUSE STORAGE IGNORE DELETE TRIGGERS IMMEDIATE`;
}

export async function truncate(ctx: Db2Context, table: TableRef): Promise<void> {
  await ctx.execute(truncateSql(ctx.table(table)));
}

/** `DELETE … WHERE k IN (…)`, or OR-ed equalities for a composite key; typed markers. */
export function deleteSql(table: string, quotedKey: string[], markers: string[], rows: number): string {
  const where = quotedKey.length === 1
    ? `${quotedKey[0]} IN (${Array.from({ length: rows }, () => markers[0]).join(', ')})`
    : Array.from({ length: rows }, () => `(${quotedKey.map((k, i) => `${k} = ${markers[i]}`).join(' AND ')})`).join(' OR ');
  return `DELETE FROM ${table} WHERE ${where}`;
}

/** Deletes by key in batches of 500 keys, one unit of work; returns rows deleted. */
export async function deleteRows(ctx: Db2Context, table: TableRef, key: string[], keys: unknown[][]): Promise<number> {
  if (!key.length) throw fail(`deleteRows on ${name(table)} needs key columns`);
  if (!keys.length) return 0;
  const columns = new Map((await tableColumns(ctx, table)).map((c) => [c.name, c]));
  const missing = key.filter((k) => !columns.has(k));
  if (missing.length) throw fail(`${name(table)} has no column(s) ${missing.join(', ')}`);
  const keyColumns = key.map((k) => columns.get(k)!);
  const markers = keyColumns.map(markerExpr);
  const quoted = key.map(ctx.quoteIdent);
  return ctx.withConnection((conn) =>
    runInTransaction(conn, async (c) => {
      let deleted = 0;
      for (let at = 0; at < keys.length; at += 500) {
        const chunk = keys.slice(at, at + 500);
        const params: Db2Param[] = chunk.flatMap((values) => values.map((v, i) => encodeParam(v, keyColumns[i]!.type, key[i]!)));
        deleted += await c.execute(deleteSql(ctx.table(table), quoted, markers, chunk.length), params);
      }
      return deleted;
    }),
  );
}

// ---- tables ---------------------------------------------------------------

/** DB2's index key limit on a 4K page (the default); key columns of unbounded text/bytes are sized to fit it. */
export const MAX_KEY_BYTES = 1024;

function keyBytes(t: CanonicalType): number | null {
  switch (t.kind) {
    case 'text': return t.maxLength === undefined ? null : t.maxLength * 4;
    case 'bytes': return t.maxLength === undefined ? null : t.maxLength;
    case 'json': return Infinity;
    case 'uuid': return 36;
    case 'time': return 15;
    case 'decimal': return Math.ceil((t.precision ?? 34) / 2) + 1;
    case 'int16': return 2;
    case 'int32': case 'float32': case 'date': return 4;
    case 'bool': return 1;
    default: return 10;
  }
}

/**
 * CREATE TABLE for canonical columns, then unique indexes for unique keys
 * over nullable columns (DB2 unique constraints need NOT NULL columns;
 * `EXCLUDE NULL KEYS` keeps several NULLs allowed, as elsewhere) and the
 * `sluice:<kind>` column comments; run in one unit of work.
 */
export function createTableSql(q: Quote, table: TableRef, def: TableDefinition): string[] {
  const types = new Map(def.columns.map((c) => [c.name, c.type]));
  const pk = def.primaryKey?.length ? def.primaryKey : null;
  const nullable = new Map(def.columns.map((c) => [c.name, c.nullable && !c.identity && !pk?.includes(c.name)]));
  const keys = [...(pk ? [{ name: 'PRIMARY KEY', columns: pk }] : []), ...(def.uniqueConstraints ?? [])];
  const sized = new Map<string, number>();
  for (const key of keys) {
    const unknown = key.columns.filter((c) => !types.has(c));
    if (unknown.length) throw fail(`key ${key.name} names unknown column(s) ${unknown.join(', ')}`);
    const bytes = key.columns.map((c) => keyBytes(types.get(c)!));
    const fixed = bytes.reduce<number>((sum, b) => sum + (b ?? 0), 0);
    const open = key.columns.filter((_, i) => bytes[i] === null);
    const perChar = (c: string) => (types.get(c)!.kind === 'text' ? 4 : 1);
    const share = open.length ? Math.floor((MAX_KEY_BYTES - fixed) / open.reduce((s, c) => s + perChar(c), 0)) : 0;
    if (fixed > MAX_KEY_BYTES || (open.length && share < 1)) {
      throw fail(`key ${key.name} (${key.columns.join(', ')}) does not fit DB2's ${MAX_KEY_BYTES}-byte index key limit (4K pages); shorten its columns`);
    }
    for (const c of open) sized.set(c, Math.min(sized.get(c) ?? Infinity, share));
  }
  const lines = def.columns.map((c) => {
    let native = toNative(c.type);
    const size = sized.get(c.name);
    if (size !== undefined) native = c.type.kind === 'text' ? `VARCHAR(${size} CODEUNITS32)` : `VARBINARY(${size})`;
    if (c.identity && !['int16', 'int32', 'int64'].includes(c.type.kind)) throw fail(`identity column ${c.name} must be an integer, not ${c.type.kind}`);
    return `${q(c.name)} ${native}${nullable.get(c.name) ? '' : ' NOT NULL'}${c.identity ? ' GENERATED BY DEFAULT AS IDENTITY' : ''}`;
  });
  if (pk) lines.push(`PRIMARY KEY (${pk.map(q).join(', ')})`);
  const uniqueIndexes: string[] = [];
  for (const u of def.uniqueConstraints ?? []) {
    if (u.columns.some((c) => nullable.get(c))) {
      uniqueIndexes.push(`CREATE UNIQUE INDEX ${q(table.schema)}.${q(u.name)} ON ${qualified(q, table)} (${u.columns.map(q).join(', ')}) EXCLUDE NULL KEYS`);
    } else lines.push(`CONSTRAINT ${q(u.name)} UNIQUE (${u.columns.map(q).join(', ')})`);
  }
  const comments = def.columns.flatMap((c) => {
    const tag = tagOf(c.type);
    return tag ? [`COMMENT ON COLUMN ${qualified(q, table)}.${q(c.name)} IS ${lit(tag)}`] : [];
  });
  return [`CREATE TABLE ${qualified(q, table)} (\n  ${lines.join(',\n  ')}\n)`, ...uniqueIndexes, ...comments];
}

async function runAll(ctx: Db2Context, statements: string[]): Promise<void> {
  await ctx.withConnection((conn) => runInTransaction(conn, async (c) => {
    for (const sql of statements) await c.execute(sql);
  }));
}

export async function createTable(ctx: Db2Context, table: TableRef, def: TableDefinition): Promise<void> {
  await runAll(ctx, createTableSql(ctx.quoteIdent, table, def));
}

/** `--create-tables` into a new schema. Two jobs at once: the one that loses the race (SQL0601N) finds it made. */
export async function createSchema(ctx: Db2Context, schema: string): Promise<void> {
  const exists = async () => (await ctx.query('SELECT 1 AS "x" FROM SYSCAT.SCHEMATA WHERE SCHEMANAME = ?', [schema])).length > 0;
  if (await exists()) return;
  try {
    await ctx.execute(`CREATE SCHEMA ${ctx.quoteIdent(schema)}`);
  } catch (err) {
    if (!(await exists())) throw err;
  }
}

export async function dropTable(ctx: Db2Context, table: TableRef): Promise<void> {
  await ctx.execute(`DROP TABLE ${ctx.table(table)}`);
}

/** Prefix of a staging table's index names (index names are unique per schema); swapTable gives the names back. */
export const STAGING_INDEX_PREFIX = 'SLUICE_STG_';
export const stagingIndexName = (original: string, tag: string) => `${STAGING_INDEX_PREFIX}${tag}_${original}`.slice(0, 128);
export const originalIndexName = (staged: string) => /^SLUICE_STG_[0-9a-f]{8}_(.+)$/.exec(staged)?.[1] ?? null;

/**
 * The staging table of a replace: `CREATE TABLE … LIKE … INCLUDING COLUMN
 * DEFAULTS INCLUDING IDENTITY COLUMN ATTRIBUTES`, then the primary key,
 * unique constraints, secondary indexes and `sluice:` column tags of `like`
 * (LIKE copies columns only). Foreign keys stay off: DB2 cannot RENAME a
 * table in a referential constraint, which swapTable needs.
 */
export function createTableLikeSql(q: Quote, like: TableSchema, table: TableRef, tag: string): string[] {
  const target = qualified(q, table);
  const out = [`CREATE TABLE ${target} LIKE ${qualified(q, like)} INCLUDING COLUMN DEFAULTS INCLUDING IDENTITY COLUMN ATTRIBUTES`];
  if (like.primaryKey?.length) out.push(`ALTER TABLE ${target} ADD PRIMARY KEY (${like.primaryKey.map(q).join(', ')})`);
  for (const u of like.uniqueConstraints) out.push(`ALTER TABLE ${target} ADD CONSTRAINT ${q(u.name)} UNIQUE (${u.columns.map(q).join(', ')})`);
  const constraintColumns = [like.primaryKey ?? [], ...like.uniqueConstraints.map((u) => u.columns)].map((c) => c.join('\u0000'));
  for (const index of like.indexes) {
    if (!index.definition || (index.unique && constraintColumns.includes(index.columns.join('\u0000')))) continue;
    const m = /^CREATE (UNIQUE )?INDEX .+? ON .+? (\(.*)$/s.exec(index.definition);
    if (m) out.push(`CREATE ${m[1] ?? ''}INDEX ${q(table.schema)}.${q(stagingIndexName(index.name, tag))} ON ${target} ${m[2]}`);
  }
  for (const c of like.columns) {
    const t = tagOf(c.type);
    if (t) out.push(`COMMENT ON COLUMN ${target}.${q(c.name)} IS ${lit(t)}`);
  }
  return out;
}

export async function createTableLike(ctx: Db2Context, like: TableRef, table: TableRef): Promise<void> {
  const [source] = await introspectSchema(ctx, like.schema, { tables: [like.name], includeViews: false });
  if (!source) throw fail(`cannot create ${name(table)} like ${name(like)}: ${name(like)} does not exist`);
  await runAll(ctx, createTableLikeSql(ctx.quoteIdent, source, table, randomBytes(4).toString('hex')));
}

/** What stops `RENAME TABLE` of `target` (DB2 refuses tables with triggers, views, foreign keys or check constraints). */
export function swapBlockersSql(): string {
  return `SELECT 'trigger ' || TRIGNAME AS "what" FROM SYSCAT.TRIGGERS WHERE TABSCHEMA = ? AND TABNAME = ?
    UNION ALL SELECT 'view or dependent object ' || RTRIM(TABSCHEMA) || '.' || TABNAME FROM SYSCAT.TABDEP WHERE BSCHEMA = ? AND BNAME = ?
    UNION ALL SELECT 'foreign key ' || CONSTNAME || ' on ' || RTRIM(TABSCHEMA) || '.' || TABNAME FROM SYSCAT.REFERENCES
      WHERE (TABSCHEMA = ? AND TABNAME = ?) OR (REFTABSCHEMA = ? AND REFTABNAME = ?)
    UNION ALL SELECT 'check constraint ' || CONSTNAME FROM SYSCAT.CHECKS WHERE TABSCHEMA = ? AND TABNAME = ? AND TYPE = 'C'`;
}

/**
 * Puts `staging` in `target`'s place in one unit of work (DB2 DDL is
 * transactional: readers see the old table or the new one): RENAME target →
 * old, RENAME staging → target, DROP old, staging's index names given back.
 * Refuses, changing nothing, when the old table has objects RENAME cannot
 * move (they would be lost).
 */
export async function swapTable(ctx: Db2Context, staging: TableRef, target: TableRef): Promise<void> {
  if (staging.schema !== target.schema) throw fail(`cannot swap ${name(staging)} into ${name(target)}: DB2 renames tables within one schema only`);
  const q = ctx.quoteIdent;
  const exists = await ctx.query(
    `SELECT TABNAME AS "name" FROM SYSCAT.TABLES WHERE TABSCHEMA = ? AND TABNAME IN (?, ?) AND TYPE = 'T'`, [target.schema, staging.name, target.name]);
  const has = (t: TableRef) => exists.some((r) => String(r.name).trimEnd() === t.name);
  if (!has(staging)) throw fail(`cannot swap ${name(staging)} into ${name(target)}: ${name(staging)} does not exist`);
  const statements: string[] = [];
  if (has(target)) {
    const t = [target.schema, target.name];
    const blockers = (await ctx.query(swapBlockersSql(), [...t, ...t, ...t, ...t, ...t])).map((r) => String(r.what).trimEnd());
    if (blockers.length) {
      throw fail(`cannot swap ${name(staging)} into ${name(target)}: ${name(target)} has dependent objects DB2 cannot rename with it: ${blockers.join(', ')}; drop them first and re-create them afterwards`);
    }
    const old = `_sluice_old_${randomBytes(4).toString('hex')}`;
    statements.push(`RENAME TABLE ${ctx.table(target)} TO ${q(old)}`, `RENAME TABLE ${ctx.table(staging)} TO ${q(target.name)}`, `DROP TABLE ${q(target.schema)}.${q(old)}`);
  } else {
    statements.push(`RENAME TABLE ${ctx.table(staging)} TO ${q(target.name)}`);
  }
  const indexes = await ctx.query(`SELECT INDSCHEMA AS "schema", INDNAME AS "name" FROM SYSCAT.INDEXES WHERE TABSCHEMA = ? AND TABNAME = ?`, [staging.schema, staging.name]);
  for (const i of indexes) {
    const original = originalIndexName(String(i.name).trimEnd());
    if (original) statements.push(`RENAME INDEX ${q(String(i.schema).trimEnd())}.${q(String(i.name).trimEnd())} TO ${q(original)}`);
  }
  await runAll(ctx, statements);
  await deleteStates(ctx, staging);
}

// ---- foreign keys ---------------------------------------------------------

const RULES = new Set(['CASCADE', 'SET NULL', 'RESTRICT', 'NO ACTION']);

async function tableSchema(ctx: Db2Context, table: TableRef): Promise<TableSchema> {
  const [t] = await introspectSchema(ctx, table.schema, { tables: [table.name], includeViews: false });
  if (!t) throw fail(`table ${name(table)} does not exist (or is not visible to this user)`);
  return t;
}

export function addForeignKeySql(q: Quote, table: string, fk: ForeignKeySchema): string {
  const rule = (r: string, what: string, allowed: Set<string>) => {
    const upper = (r || 'NO ACTION').toUpperCase();
    if (!allowed.has(upper)) throw fail(`foreign key ${fk.name}: ${what} ${JSON.stringify(r)} is not supported by DB2`);
    return upper;
  };
  return `ALTER TABLE ${table} ADD CONSTRAINT ${q(fk.name)} FOREIGN KEY (${fk.columns.map(q).join(', ')}) ` +
    `REFERENCES ${q(fk.referencedSchema)}.${q(fk.referencedTable)} (${fk.referencedColumns.map(q).join(', ')}) ` +
    `ON DELETE ${rule(fk.onDelete, 'ON DELETE', RULES)} ON UPDATE ${rule(fk.onUpdate, 'ON UPDATE', new Set(['RESTRICT', 'NO ACTION']))}`;
}

/** Drops the table's foreign keys (ALTER TABLE … DROP FOREIGN KEY) in one unit of work; returns them for restoreForeignKeys. */
export async function dropForeignKeys(ctx: Db2Context, table: TableRef): Promise<ForeignKeySchema[]> {
  const fks = (await tableSchema(ctx, table)).foreignKeys;
  if (fks.length) await runAll(ctx, fks.map((f) => `ALTER TABLE ${ctx.table(table)} DROP FOREIGN KEY ${ctx.quoteIdent(f.name)}`));
  return fks;
}

/** Re-adds them with their names and rules (existing rows are checked); ones already there are left alone (a retried restore). */
export async function restoreForeignKeys(ctx: Db2Context, table: TableRef, fks: ForeignKeySchema[]): Promise<void> {
  const existing = new Set((await tableSchema(ctx, table)).foreignKeys.map((f) => f.name));
  const todo = fks.filter((f) => !existing.has(f.name));
  if (todo.length) await runAll(ctx, todo.map((f) => addForeignKeySql(ctx.quoteIdent, ctx.table(table), f)));
}

// ---- indexes and unique constraints -----------------------------------------

/** Drops secondary (non-unique) indexes it can recreate; keys' and unique constraints' indexes stay. */
export async function dropIndexes(ctx: Db2Context, table: TableRef): Promise<IndexSchema[]> {
  const dropped = (await tableSchema(ctx, table)).indexes.filter((i) => !i.unique && i.definition);
  if (dropped.length) {
    await runAll(ctx, dropped.map((i) => `DROP INDEX ${/^CREATE (?:UNIQUE )?INDEX (.+?) ON /s.exec(i.definition!)![1]}`));
  }
  return dropped;
}

export async function restoreIndexes(ctx: Db2Context, table: TableRef, indexes: IndexSchema[]): Promise<void> {
  const existing = new Set((await tableSchema(ctx, table)).indexes.map((i) => i.name));
  const q = ctx.quoteIdent;
  const todo = indexes.filter((i) => !existing.has(i.name));
  if (todo.length) {
    await runAll(ctx, todo.map((i) => i.definition ?? `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${q(table.schema)}.${q(i.name)} ON ${ctx.table(table)} (${i.columns.map(q).join(', ')})`));
  }
}

/** Drops unique constraints (not the primary key): ALTER TABLE … DROP UNIQUE; a foreign key needing one makes DB2 refuse (SQL0644N/-0669). */
export async function dropUniqueConstraints(ctx: Db2Context, table: TableRef): Promise<UniqueConstraint[]> {
  const constraints = (await tableSchema(ctx, table)).uniqueConstraints;
  if (constraints.length) await runAll(ctx, constraints.map((u) => `ALTER TABLE ${ctx.table(table)} DROP UNIQUE ${ctx.quoteIdent(u.name)}`));
  return constraints;
}

export async function restoreUniqueConstraints(ctx: Db2Context, table: TableRef, constraints: UniqueConstraint[]): Promise<void> {
  const existing = new Set((await tableSchema(ctx, table)).uniqueConstraints.map((u) => u.name));
  const q = ctx.quoteIdent;
  const todo = constraints.filter((u) => !existing.has(u.name));
  if (todo.length) await runAll(ctx, todo.map((u) => `ALTER TABLE ${ctx.table(table)} ADD CONSTRAINT ${q(u.name)} UNIQUE (${u.columns.map(q).join(', ')})`));
}
