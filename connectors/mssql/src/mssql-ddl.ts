import { randomBytes } from 'node:crypto';
import {
  ConnectorError,
  TestCode,
  type CanonicalType,
  type ForeignKeySchema,
  type IndexSchema,
  type TableDefinition,
  type TableRef,
  type UniqueConstraint,
} from '@sluice/connector-sdk';
import { deleteStates } from './mssql-checkpoint';
import { mssqlDriver } from './mssql-driver';
import { errorNumber } from './mssql-errors';
import { nameParams, tableColumns, tableForeignKeys, tableIndexes, tableUniqueConstraints } from './mssql-introspect';
import { columnParam, notFound } from './mssql-read';
import { toNative } from './mssql-types';
import type { MssqlContext, Param } from './mssql-session';

const fail = (message: string) => new ConnectorError(TestCode.DRIVER_ERROR, message, false);
const name = (t: TableRef) => `${t.schema}.${t.name}`;

// ---- data -----------------------------------------------------------------

/** 4712: cannot truncate a table referenced by a FOREIGN KEY constraint (even a disabled one). */
const TRUNCATE_REFERENCED = 4712;

/**
 * TRUNCATE TABLE. A table referenced by foreign keys cannot be truncated even
 * when they are disabled (NOCHECK, see `dropForeignKeys`): then, and only
 * when every referencing key is disabled (no cascade can fire), it is
 * emptied with DELETE; otherwise the error names the keys to handle first.
 */
export async function truncate(ctx: MssqlContext, table: TableRef): Promise<void> {
  try {
    await ctx.query(`TRUNCATE TABLE ${ctx.table(table)}`);
  } catch (err) {
    if (errorNumber(err) !== TRUNCATE_REFERENCED) throw err;
    const refs = await ctx.query(
      `SELECT fk.name, SCHEMA_NAME(p.schema_id) AS s, p.name AS t, fk.is_disabled
       FROM sys.foreign_keys fk JOIN sys.objects p ON p.object_id = fk.parent_object_id
       WHERE fk.referenced_object_id = OBJECT_ID(QUOTENAME(@schema) + N'.' + QUOTENAME(@table)) AND fk.parent_object_id <> fk.referenced_object_id
       ORDER BY s, t, fk.name`,
      nameParams(table.schema, table.name),
    );
    const enabled = refs.filter((r) => !(r.is_disabled === true || r.is_disabled === 1));
    if (enabled.length) {
      throw fail(
        `cannot truncate ${name(table)}: it is referenced by foreign key(s) ${enabled.map((r) => `${r.name} on ${r.s}.${r.t}`).join(', ')}; ` +
          'disable them first (dropForeignKeys on the referencing tables) and restore them afterwards',
      );
    }
    await ctx.query(`DELETE FROM ${ctx.table(table)}`);
  }
}

/** `k IN (@k0, …)`, or OR-ed equalities for a composite key, for `rows` keys. */
export function deleteWhere(quotedKey: string[], rows: number): string {
  if (quotedKey.length === 1) return `${quotedKey[0]} IN (${Array.from({ length: rows }, (_, i) => `@k${i}`).join(', ')})`;
  return Array.from({ length: rows }, (_, r) => `(${quotedKey.map((k, i) => `${k} = @k${r * quotedKey.length + i}`).join(' AND ')})`).join(' OR ');
}

/** Deletes by key in chunks under the parameter limit, one transaction. */
export async function deleteRows(ctx: MssqlContext, table: TableRef, key: string[], keys: unknown[][]): Promise<number> {
  if (!key.length) throw fail(`deleteRows on ${name(table)} needs key columns`);
  if (!keys.length) return 0;
  const columns = new Map((await tableColumns(ctx, table)).map((c) => [c.name, c]));
  if (!columns.size) throw notFound(table);
  const missing = key.filter((k) => !columns.has(k));
  if (missing.length) throw fail(`${name(table)} has no column(s) ${missing.join(', ')}`);
  const keyColumns = key.map((k) => columns.get(k)!);
  const quotedKey = key.map(ctx.quoteIdent);
  const perChunk = Math.max(1, Math.floor(2000 / key.length));
  return ctx.transaction(async (tx) => {
    let deleted = 0;
    for (let at = 0; at < keys.length; at += perChunk) {
      const chunk = keys.slice(at, at + perChunk);
      const params = chunk.flatMap((values, r) => values.map((v, i) => columnParam(`k${r * key.length + i}`, keyColumns[i]!, v)));
      const result = await tx.query(`DELETE FROM ${ctx.table(table)} WHERE ${deleteWhere(quotedKey, chunk.length)}`, params);
      deleted += result.rowsAffected.reduce((a, b) => a + b, 0);
    }
    return deleted;
  });
}

// ---- tables ---------------------------------------------------------------

/** Index key limits: 900 bytes clustered (the primary key), 1,700 nonclustered (unique constraints). */
const CLUSTERED_KEY_BYTES = 900;
const NONCLUSTERED_KEY_BYTES = 1700;

function keyBytes(t: CanonicalType): number | null {
  switch (t.kind) {
    case 'text': return t.maxLength === undefined || t.maxLength > 4000 ? null : t.maxLength * 2;
    case 'bytes': return t.maxLength === undefined || t.maxLength > 8000 ? null : t.maxLength;
    case 'json': return Infinity;
    case 'uuid': return 16;
    case 'decimal': return 17;
    case 'int16': return 2;
    case 'int32': case 'float32': return 4;
    case 'bool': return 1;
    case 'date': return 3;
    case 'time': return 5;
    case 'timestamptz': return 10;
    default: return 8;
  }
}

/**
 * CREATE TABLE for canonical columns. Unbounded text/bytes key columns
 * (an (max) column cannot be indexed) are sized so the key fits its index
 * limit; keys that cannot fit fail. json is NVARCHAR(MAX) with an ISJSON
 * check (read back as json). Identity columns are IDENTITY(1,1).
 */
export function createTableSql(quote: (s: string) => string, table: string, def: TableDefinition): string {
  const types = new Map(def.columns.map((c) => [c.name, c.type]));
  const keys = [
    ...(def.primaryKey?.length ? [{ name: 'PRIMARY KEY', columns: def.primaryKey, limit: CLUSTERED_KEY_BYTES }] : []),
    ...(def.uniqueConstraints ?? []).map((u) => ({ ...u, limit: NONCLUSTERED_KEY_BYTES })),
  ];
  const sized = new Map<string, number>();
  for (const key of keys) {
    const unknown = key.columns.filter((c) => !types.has(c));
    if (unknown.length) throw fail(`key ${key.name} names unknown column(s) ${unknown.join(', ')}`);
    const bytes = key.columns.map((c) => keyBytes(types.get(c)!));
    const fixed = bytes.reduce<number>((sum, b) => sum + (b ?? 0), 0);
    const open = key.columns.filter((_, i) => bytes[i] === null);
    const perChar = (c: string) => (types.get(c)!.kind === 'text' ? 2 : 1);
    const share = open.length ? Math.floor((key.limit - fixed) / open.reduce((s, c) => s + perChar(c), 0)) : 0;
    if (fixed > key.limit || (open.length && share < 1)) {
      throw fail(`key ${key.name} (${key.columns.join(', ')}) does not fit SQL Server's ${key.limit}-byte index key limit; shorten its text columns`);
    }
    for (const c of open) sized.set(c, Math.min(sized.get(c) ?? Infinity, share));
  }
  const lines = def.columns.map((c) => {
    let native = toNative(c.type);
    const size = sized.get(c.name);
    if (size !== undefined) native = c.type.kind === 'text' ? `NVARCHAR(${size})` : `VARBINARY(${size})`;
    if (c.identity && !['int16', 'int32', 'int64'].includes(c.type.kind)) throw fail(`identity column ${c.name} must be an integer, not ${c.type.kind}`);
    const check = c.type.kind === 'json' ? ` CHECK (ISJSON(${quote(c.name)}) = 1)` : '';
    return `${quote(c.name)} ${native}${c.identity ? ' IDENTITY(1,1)' : ''}${c.nullable && !c.identity ? ' NULL' : ' NOT NULL'}${check}`;
  });
  if (def.primaryKey?.length) lines.push(`PRIMARY KEY (${def.primaryKey.map(quote).join(', ')})`);
  for (const u of def.uniqueConstraints ?? []) lines.push(`CONSTRAINT ${quote(u.name)} UNIQUE (${u.columns.map(quote).join(', ')})`);
  return `CREATE TABLE ${table} (\n  ${lines.join(',\n  ')}\n)`;
}

export async function createTable(ctx: MssqlContext, table: TableRef, def: TableDefinition): Promise<void> {
  await ctx.query(createTableSql(ctx.quoteIdent, ctx.table(table), def));
}

/** `CREATE SCHEMA` when missing; it must be alone in its batch, hence EXEC. */
export const CREATE_SCHEMA_SQL = `IF SCHEMA_ID(@schema) IS NULL EXEC(N'CREATE SCHEMA ' + QUOTENAME(@schema))`;

/** `--create-tables` into a new schema. Two jobs at once: the one that loses the race finds it made. */
export async function createSchema(ctx: MssqlContext, schema: string): Promise<void> {
  try {
    await ctx.query(CREATE_SCHEMA_SQL, nameParams(schema));
  } catch (err) {
    const [made] = await ctx.query('SELECT SCHEMA_ID(@schema) AS id', nameParams(schema));
    if (made?.id === null || made?.id === undefined) throw err;
  }
}

export async function dropTable(ctx: MssqlContext, table: TableRef): Promise<void> {
  await ctx.query(`DROP TABLE ${ctx.table(table)}`);
}

/** Constraint names are unique per schema: a staging copy's carry this suffix until `swapTable` gives them back their names. */
export const STAGED_SUFFIX = /__sluice_[0-9a-f]{8}$/;
export const stagedName = (original: string) => `${original.slice(0, 110)}__sluice_${randomBytes(4).toString('hex')}`;

/**
 * An empty table shaped like `like`: SQL Server has no CREATE TABLE … LIKE,
 * so it is built from the catalog: columns (native types, nullability,
 * identity, ISJSON checks), primary key, unique constraints (suffixed
 * names) and indexes. Foreign keys and triggers are not copied.
 */
export async function createTableLike(ctx: MssqlContext, like: TableRef, table: TableRef): Promise<void> {
  const [columns, keys, indexes] = await Promise.all([tableColumns(ctx, like), tableUniqueConstraints(ctx, like), tableIndexes(ctx, like, table)]);
  if (!columns.length) throw notFound(like);
  const q = ctx.quoteIdent;
  const lines = columns
    // Computed columns are left out (their expressions are not copied); a rowversion column is kept.
    .filter((c) => !c.readOnly || c.base === 'timestamp')
    .map((c) => {
      const check = c.type.kind === 'json' && c.base !== 'json' ? ` CHECK (ISJSON(${q(c.name)}) = 1)` : '';
      return `${q(c.name)} ${c.nativeType}${c.identity ? ' IDENTITY(1,1)' : ''}${c.nullable ? ' NULL' : ' NOT NULL'}${check}`;
    });
  for (const k of keys) {
    lines.push(`CONSTRAINT ${q(stagedName(k.name))} ${k.type === 'PK' ? 'PRIMARY KEY' : 'UNIQUE'} (${k.columns.map(q).join(', ')})`);
  }
  const target = ctx.table(table);
  await ctx.transaction(async (tx) => {
    await tx.query(`CREATE TABLE ${target} (\n  ${lines.join(',\n  ')}\n)`);
    for (const index of indexes) {
      if (index.definition) await tx.query(index.definition);
    }
  });
}

/**
 * Puts `staging` in `target`'s place inside one transaction (readers wait on
 * the schema lock and then see the new table, never none): sp_rename target
 * → a temporary name, staging → target, DROP the old table, give staged
 * constraints back their names, forget the staging table's checkpoints.
 * Refuses, changing nothing, when the old table is referenced by other
 * tables' foreign keys or has triggers (both would be lost with it).
 */
export async function swapTable(ctx: MssqlContext, staging: TableRef, target: TableRef): Promise<void> {
  const exists = async (t: TableRef) => (await ctx.query(`SELECT OBJECT_ID(QUOTENAME(@schema) + N'.' + QUOTENAME(@table), N'U') AS id`, nameParams(t.schema, t.name)))[0]?.id != null;
  if (staging.schema !== target.schema) throw fail(`cannot swap ${name(staging)} into ${name(target)}: both must be in one schema (sp_rename does not move tables)`);
  if (!(await exists(staging))) throw fail(`cannot swap ${name(staging)} into ${name(target)}: ${name(staging)} does not exist`);
  const old = { schema: target.schema, name: `_sluice_old_${target.name.slice(0, 60)}_${randomBytes(4).toString('hex')}` };
  const hasTarget = await exists(target);
  if (hasTarget) {
    const blockers = await ctx.query(
      `SELECT N'foreign key ' + fk.name + N' on ' + SCHEMA_NAME(p.schema_id) + N'.' + p.name AS what
         FROM sys.foreign_keys fk JOIN sys.objects p ON p.object_id = fk.parent_object_id
        WHERE fk.referenced_object_id = OBJECT_ID(QUOTENAME(@schema) + N'.' + QUOTENAME(@table)) AND fk.parent_object_id <> fk.referenced_object_id
       UNION ALL
       SELECT N'trigger ' + tr.name FROM sys.triggers tr WHERE tr.parent_id = OBJECT_ID(QUOTENAME(@schema) + N'.' + QUOTENAME(@table))`,
      nameParams(target.schema, target.name),
    );
    if (blockers.length) {
      throw fail(
        `cannot swap ${name(staging)} into ${name(target)}: ${name(target)} has dependent objects that would be lost with the old table: ` +
          `${blockers.map((b) => b.what).join(', ')}; drop them first and re-create them on the new table afterwards`,
      );
    }
  }
  const T = mssqlDriver().TYPES;
  const rename = (from: TableRef | string, to: string): [string, Param[]] => [
    `EXEC sp_rename @objname = @from, @newname = @to, @objtype = N'OBJECT'`,
    [
      { name: 'from', type: T.NVarChar(600), value: typeof from === 'string' ? from : ctx.table(from) },
      { name: 'to', type: T.NVarChar(128), value: to },
    ],
  ];
  await ctx.transaction(async (tx) => {
    if (hasTarget) await tx.query(...rename(target, old.name));
    await tx.query(...rename(staging, target.name));
    if (hasTarget) await tx.query(`DROP TABLE ${ctx.table(old)}`);
    const staged = await tx.query(
      `SELECT name FROM sys.key_constraints WHERE parent_object_id = OBJECT_ID(QUOTENAME(@schema) + N'.' + QUOTENAME(@table))`,
      nameParams(target.schema, target.name),
    );
    for (const { name: constraint } of staged.recordset as { name: string }[]) {
      if (STAGED_SUFFIX.test(constraint)) {
        await tx.query(...rename(`${ctx.quoteIdent(target.schema)}.${ctx.quoteIdent(constraint)}`, constraint.replace(STAGED_SUFFIX, '')));
      }
    }
  });
  await deleteStates(ctx, staging);
}

// ---- triggers ---------------------------------------------------------------

export function triggersSql(table: string, enabled: boolean): string {
  return `${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ALL ON ${table}`;
}

export async function setTriggersEnabled(ctx: MssqlContext, table: TableRef, enabled: boolean): Promise<void> {
  await ctx.query(triggersSql(ctx.table(table), enabled));
}

// ---- foreign keys ---------------------------------------------------------

/** `ALTER TABLE … NOCHECK CONSTRAINT a, b` (disable) / `WITH CHECK CHECK CONSTRAINT a, b` (enable and re-validate: trusted again). */
export function foreignKeyCheckSql(quote: (s: string) => string, table: string, names: string[], enabled: boolean): string {
  return `ALTER TABLE ${table} ${enabled ? 'WITH CHECK CHECK' : 'NOCHECK'} CONSTRAINT ${names.map(quote).join(', ')}`;
}

const RULES = new Set(['CASCADE', 'SET NULL', 'SET DEFAULT', 'NO ACTION']);

export function addForeignKeySql(quote: (s: string) => string, table: string, fk: ForeignKeySchema): string {
  const rule = (r: string, what: string) => {
    const upper = (r || 'NO ACTION').toUpperCase().replace(/_/g, ' ');
    if (upper === 'RESTRICT') return 'NO ACTION';
    if (!RULES.has(upper)) throw fail(`foreign key ${fk.name}: unknown ${what} rule ${JSON.stringify(r)}`);
    return upper;
  };
  return `ALTER TABLE ${table} WITH CHECK ADD CONSTRAINT ${quote(fk.name)} FOREIGN KEY (${fk.columns.map(quote).join(', ')}) ` +
    `REFERENCES ${quote(fk.referencedSchema)}.${quote(fk.referencedTable)} (${fk.referencedColumns.map(quote).join(', ')}) ` +
    `ON DELETE ${rule(fk.onDelete, 'ON DELETE')} ON UPDATE ${rule(fk.onUpdate, 'ON UPDATE')}`;
}

/**
 * Disables (NOCHECK) the table's enabled foreign keys for a load and returns
 * them: they stay defined, so a failed job leaves them visible, and restoring
 * is a re-check rather than a re-creation.
 */
export async function dropForeignKeys(ctx: MssqlContext, table: TableRef): Promise<ForeignKeySchema[]> {
  const fks = (await tableForeignKeys(ctx, table)).filter((f) => !f.disabled);
  if (fks.length) await ctx.query(foreignKeyCheckSql(ctx.quoteIdent, ctx.table(table), fks.map((f) => f.name), false));
  return fks.map(({ disabled: _disabled, ...fk }) => fk);
}

/** Re-enables WITH CHECK (existing rows validated, the key trusted again); keys that no longer exist are re-created. */
export async function restoreForeignKeys(ctx: MssqlContext, table: TableRef, fks: ForeignKeySchema[]): Promise<void> {
  const existing = new Map((await tableForeignKeys(ctx, table)).map((f) => [f.name, f]));
  const recheck = fks.filter((f) => existing.get(f.name)?.disabled);
  if (recheck.length) await ctx.query(foreignKeyCheckSql(ctx.quoteIdent, ctx.table(table), recheck.map((f) => f.name), true));
  for (const fk of fks.filter((f) => !existing.has(f.name))) await ctx.query(addForeignKeySql(ctx.quoteIdent, ctx.table(table), fk));
}

// ---- indexes and unique constraints -----------------------------------------

/**
 * Drops secondary indexes (nonclustered, not unique, not backing a key) and
 * returns them with the CREATE INDEX that restores them. Dropping rather than
 * disabling: a disabled index is still listed and must be rebuilt whole anyway.
 */
export async function dropIndexes(ctx: MssqlContext, table: TableRef): Promise<IndexSchema[]> {
  const [indexes, keys] = await Promise.all([tableIndexes(ctx, table), tableUniqueConstraints(ctx, table)]);
  const keyNames = new Set(keys.map((k) => k.name));
  const dropped = indexes.filter((i) => !i.unique && !keyNames.has(i.name) && i.definition?.includes(' NONCLUSTERED INDEX '));
  for (const index of dropped) await ctx.query(`DROP INDEX ${ctx.quoteIdent(index.name)} ON ${ctx.table(table)}`);
  return dropped;
}

export async function restoreIndexes(ctx: MssqlContext, table: TableRef, indexes: IndexSchema[]): Promise<void> {
  const existing = new Set((await tableIndexes(ctx, table)).map((i) => i.name));
  const q = ctx.quoteIdent;
  for (const index of indexes.filter((i) => !existing.has(i.name))) {
    await ctx.query(index.definition ?? `CREATE ${index.unique ? 'UNIQUE ' : ''}NONCLUSTERED INDEX ${q(index.name)} ON ${ctx.table(table)} (${index.columns.map(q).join(', ')})`);
  }
}

/** 3725: the constraint is referenced by a foreign key. */
const REFERENCED_CONSTRAINT = 3725;

export async function dropUniqueConstraints(ctx: MssqlContext, table: TableRef): Promise<UniqueConstraint[]> {
  const constraints = (await tableUniqueConstraints(ctx, table)).filter((k) => k.type === 'UQ').map(({ name: n, columns }) => ({ name: n, columns }));
  if (!constraints.length) return constraints;
  try {
    await ctx.query(`ALTER TABLE ${ctx.table(table)} DROP CONSTRAINT ${constraints.map((u) => ctx.quoteIdent(u.name)).join(', ')}`);
  } catch (err) {
    if (errorNumber(err) === REFERENCED_CONSTRAINT) {
      throw fail(`cannot drop the unique constraints of ${name(table)}: a foreign key references one of them (${(err as Error).message}); drop the foreign keys first`);
    }
    throw err;
  }
  return constraints;
}

export async function restoreUniqueConstraints(ctx: MssqlContext, table: TableRef, constraints: UniqueConstraint[]): Promise<void> {
  const existing = new Set((await tableUniqueConstraints(ctx, table)).map((k) => k.name));
  const todo = constraints.filter((u) => !existing.has(u.name));
  const q = ctx.quoteIdent;
  if (todo.length) {
    await ctx.query(`ALTER TABLE ${ctx.table(table)} ADD ${todo.map((u) => `CONSTRAINT ${q(u.name)} UNIQUE (${u.columns.map(q).join(', ')})`).join(', ')}`);
  }
}
