import {
  ConnectorError,
  TestCode,
  type CanonicalType,
  type ForeignKeySchema,
  type IndexSchema,
  type TableDefinition,
  type TableRef,
  type UniqueConstraint,
  identityStartValue,
} from '@sluice/connector-sdk';
import { randomBytes } from 'node:crypto';
import { deleteStates } from './mysql-checkpoint';
import { groupIndexes, statisticsQuery, tableColumns } from './mysql-introspect';
import { atLeast, encodeParam, toNative, type MysqlFlavour } from './mysql-types';
import type { MysqlContext } from './mysql-session';

const fail = (message: string) => new ConnectorError(TestCode.DRIVER_ERROR, message, false);
const name = (t: TableRef) => `${t.schema}.${t.name}`;

// ---- data -----------------------------------------------------------------

export async function truncate(ctx: MysqlContext, table: TableRef): Promise<void> {
  try {
    await ctx.query(`TRUNCATE TABLE ${ctx.table(table)}`);
  } catch (err) {
    if (!/1701|ER_TRUNCATE_ILLEGAL_FK|referenced in a foreign key/i.test(String((err as Error).message))) throw err;
    const refs = await ctx.query(
      `SELECT CONSTRAINT_SCHEMA AS s, TABLE_NAME AS t, CONSTRAINT_NAME AS n FROM information_schema.REFERENTIAL_CONSTRAINTS
       WHERE UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME = ?`, [table.schema, table.name]);
    throw fail(
      `cannot truncate ${name(table)}: it is referenced by foreign key(s) ${refs.map((r) => `${r.n} on ${r.s}.${r.t}`).join(', ')}; ` +
        'drop those foreign keys first (dropForeignKeys on the referencing tables) and restore them afterwards',
    );
  }
}

/** Deletes by key in batches (`k IN (…)`, or OR-ed equalities for a composite key), one transaction. */
export async function deleteRows(ctx: MysqlContext, table: TableRef, key: string[], keys: unknown[][]): Promise<number> {
  if (!key.length) throw fail(`deleteRows on ${name(table)} needs key columns`);
  if (!keys.length) return 0;
  const types = new Map((await tableColumns(ctx, table)).map((c) => [c.name, c.type]));
  const missing = key.filter((k) => !types.has(k));
  if (missing.length) throw fail(`${name(table)} has no column(s) ${missing.join(', ')}`);
  const keyTypes = key.map((k) => types.get(k)!);
  const q = key.map(ctx.quoteIdent);
  const batch = 500;
  return ctx.transaction(async (c) => {
    let deleted = 0;
    for (let at = 0; at < keys.length; at += batch) {
      const chunk = keys.slice(at, at + batch);
      const params = chunk.flatMap((values) => values.map((v, i) => encodeParam(v, keyTypes[i]!, key[i]!)));
      const where = key.length === 1
        ? `${q[0]} IN (${chunk.map(() => '?').join(', ')})`
        : chunk.map(() => `(${q.map((k) => `${k} = ?`).join(' AND ')})`).join(' OR ');
      const [result] = await c.query(`DELETE FROM ${ctx.table(table)} WHERE ${where}`, params);
      deleted += (result as { affectedRows: number }).affectedRows;
    }
    return deleted;
  });
}

// ---- tables ---------------------------------------------------------------

/** Binary, NO PAD collation: keys compare like every other engine's ('a' ≠ 'A', 'a' ≠ 'a '). */
export function tableCollation(f: MysqlFlavour): string {
  if (f.mariadb) return 'utf8mb4_nopad_bin';
  return atLeast(f, 8, 0, 17) ? 'utf8mb4_0900_bin' : 'utf8mb4_bin';
}

/** InnoDB's index key limit (DYNAMIC row format) in bytes; utf8mb4 takes 4 bytes a character. */
const MAX_KEY_BYTES = 3072;

function keyBytes(t: CanonicalType, flavour: MysqlFlavour): number | null {
  switch (t.kind) {
    case 'text': return t.maxLength === undefined ? null : t.maxLength * 4;
    case 'bytes': return t.maxLength === undefined ? null : t.maxLength;
    case 'json': return Infinity;
    case 'uuid': return toNative(t, flavour) === 'UUID' ? 16 : 144;
    case 'decimal': return Math.ceil((t.precision ?? 65) / 2) + 1;
    case 'int16': return 2;
    case 'int32': case 'float32': return 4;
    case 'bool': return 1;
    default: return 8;
  }
}

/**
 * CREATE TABLE for canonical columns. Unbounded text/bytes key columns
 * (MySQL cannot index LONGTEXT without a prefix) become VARCHAR/VARBINARY
 * sized so every key fits InnoDB's 3072 bytes; keys that cannot fit fail.
 */
export function createTableSql(flavour: MysqlFlavour, quote: (s: string) => string, table: string, def: TableDefinition): string {
  const keys = [...(def.primaryKey?.length ? [{ name: 'PRIMARY KEY', columns: def.primaryKey }] : []), ...(def.uniqueConstraints ?? [])];
  const types = new Map(def.columns.map((c) => [c.name, c.type]));
  const sized = new Map<string, number>();
  for (const key of keys) {
    const unknown = key.columns.filter((c) => !types.has(c));
    if (unknown.length) throw fail(`key ${key.name} names unknown column(s) ${unknown.join(', ')}`);
    const bytes = key.columns.map((c) => keyBytes(types.get(c)!, flavour));
    const fixed = bytes.reduce<number>((sum, b) => sum + (b ?? 0), 0);
    const open = key.columns.filter((_, i) => bytes[i] === null);
    const perChar = (c: string) => (types.get(c)!.kind === 'text' ? 4 : 1);
    const room = MAX_KEY_BYTES - fixed;
    const share = open.length ? Math.floor(room / open.reduce((s, c) => s + perChar(c), 0)) : 0;
    if (fixed > MAX_KEY_BYTES || (open.length && share < 1)) {
      throw fail(`key ${key.name} (${key.columns.join(', ')}) does not fit InnoDB's ${MAX_KEY_BYTES}-byte index limit (utf8mb4: 4 bytes a character); shorten its text columns`);
    }
    for (const c of open) sized.set(c, Math.min(sized.get(c) ?? Infinity, Math.min(share, perChar(c) === 4 ? 768 : 3072)));
  }
  // MySQL takes one AUTO_INCREMENT column a table: the key's (else the first); others (a second
  // sequence-drawn column on PostgreSQL) become plain columns holding the copied values.
  const identities = def.columns.filter((c) => c.identity);
  const auto = identities.find((c) => def.primaryKey?.[0] === c.name) ?? identities[0];
  const lines = def.columns.map((given) => {
    const c = given.identity && given !== auto ? { ...given, identity: false } : given;
    let native = toNative(c.type, flavour);
    const size = sized.get(c.name);
    if (size !== undefined) native = c.type.kind === 'text' ? `VARCHAR(${size})` : `VARBINARY(${size})`;
    if (c.identity && !['int16', 'int32', 'int64'].includes(c.type.kind)) throw fail(`identity column ${c.name} must be an integer, not ${c.type.kind}`);
    return `${quote(c.name)} ${native}${c.nullable && !c.identity ? ' NULL' : ' NOT NULL'}${c.identity ? ' AUTO_INCREMENT' : ''}`;
  });
  if (def.primaryKey?.length) lines.push(`PRIMARY KEY (${def.primaryKey.map(quote).join(', ')})`);
  for (const u of def.uniqueConstraints ?? []) lines.push(`CONSTRAINT ${quote(u.name)} UNIQUE KEY (${u.columns.map(quote).join(', ')})`);
  // AUTO_INCREMENT must lead some index.
  for (const c of auto ? [auto] : []) {
    if (!keys.some((k) => k.columns[0] === c.name)) lines.push(`KEY (${quote(c.name)})`);
  }
  // The source generator's position (a PostgreSQL sequence, another server's counter): new rows continue after it.
  const start = auto ? identityStartValue(auto.identityNext, auto.type.kind) : null;
  return `CREATE TABLE ${table} (\n  ${lines.join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${tableCollation(flavour)}` +
    (start === null ? '' : ` AUTO_INCREMENT=${start}`);
}

export async function createTable(ctx: MysqlContext, table: TableRef, def: TableDefinition): Promise<void> {
  await ctx.query(createTableSql(ctx.flavour, ctx.quoteIdent, ctx.table(table), def));
}

export async function dropTable(ctx: MysqlContext, table: TableRef): Promise<void> {
  await ctx.query(`DROP TABLE ${ctx.table(table)}`);
}

/** `CREATE TABLE t LIKE like`: columns, keys, indexes, table options (not foreign keys or triggers: MySQL's LIKE leaves them out). */
export async function createTableLike(ctx: MysqlContext, like: TableRef, table: TableRef): Promise<void> {
  await ctx.query(`CREATE TABLE ${ctx.table(table)} LIKE ${ctx.table(like)}`);
}

/**
 * Puts `staging` in `target`'s place with one RENAME TABLE (atomic: a reader
 * sees the old table or the new one, never neither), drops the old table and
 * the staging table's checkpoints. Refuses, changing nothing, when the old
 * table has triggers (they would move with it and be dropped) or is
 * referenced by other tables' foreign keys (they would follow it to its
 * temporary name and block its DROP). Views name tables, so they see the new one.
 */
export async function swapTable(ctx: MysqlContext, staging: TableRef, target: TableRef): Promise<void> {
  const present = await ctx.query(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n FROM information_schema.TABLES
     WHERE TABLE_TYPE <> 'VIEW' AND ((TABLE_SCHEMA = ? AND TABLE_NAME = ?) OR (TABLE_SCHEMA = ? AND TABLE_NAME = ?))`,
    [staging.schema, staging.name, target.schema, target.name]);
  const has = (t: TableRef) => present.some((r) => r.s === t.schema && r.n === t.name);
  if (!has(staging)) throw fail(`cannot swap ${name(staging)} into ${name(target)}: ${name(staging)} does not exist`);
  if (!has(target)) {
    await ctx.query(`RENAME TABLE ${ctx.table(staging)} TO ${ctx.table(target)}`);
  } else {
    const [triggers, referencing] = await Promise.all([
      ctx.query(
        `SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? ORDER BY TRIGGER_NAME`,
        [target.schema, target.name]),
      ctx.query(
        `SELECT CONSTRAINT_SCHEMA AS s, TABLE_NAME AS t, CONSTRAINT_NAME AS n FROM information_schema.REFERENTIAL_CONSTRAINTS
         WHERE UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME = ? AND NOT (CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?)
         ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME`,
        [target.schema, target.name, target.schema, target.name]),
    ]);
    const blockers = [
      ...triggers.map((t) => `trigger ${t.n}`),
      ...referencing.map((r) => `foreign key ${r.n} on ${r.s}.${r.t}`),
    ];
    if (blockers.length) {
      throw fail(
        `cannot swap ${name(staging)} into ${name(target)}: ${name(target)} has dependent objects that would be lost with the old table: ` +
          `${blockers.join(', ')}; drop them first and re-create them on the new table afterwards`,
      );
    }
    const old: TableRef = { schema: target.schema, name: `_sluice_old_${target.name.slice(0, 40)}_${randomBytes(4).toString('hex')}` };
    await ctx.query(`RENAME TABLE ${ctx.table(target)} TO ${ctx.table(old)}, ${ctx.table(staging)} TO ${ctx.table(target)}`);
    try {
      await ctx.query(`DROP TABLE ${ctx.table(old)}`);
    } catch (err) {
      throw fail(`swapped ${name(staging)} into ${name(target)} but could not drop the old table, now ${name(old)}: ${(err as Error).message}; drop it by hand`);
    }
  }
  await deleteStates(ctx, staging);
}

// ---- foreign keys ---------------------------------------------------------

const RULES = new Set(['CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION']);

async function foreignKeysOf(ctx: MysqlContext, table: TableRef): Promise<ForeignKeySchema[]> {
  const rows = await ctx.query(
    `SELECT k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col, k.REFERENCED_TABLE_SCHEMA AS ref_schema, k.REFERENCED_TABLE_NAME AS ref_table,
            k.REFERENCED_COLUMN_NAME AS ref_col, r.DELETE_RULE AS on_delete, r.UPDATE_RULE AS on_update
     FROM information_schema.KEY_COLUMN_USAGE k
     JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
     WHERE k.TABLE_SCHEMA = ? AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
     ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION`, [table.schema, table.name]);
  const out: ForeignKeySchema[] = [];
  for (const r of rows) {
    let fk = out[out.length - 1];
    if (fk?.name !== r.name) {
      fk = { name: r.name, columns: [], referencedSchema: r.ref_schema, referencedTable: r.ref_table, referencedColumns: [], onDelete: r.on_delete, onUpdate: r.on_update };
      out.push(fk);
    }
    fk.columns.push(r.col);
    fk.referencedColumns.push(r.ref_col);
  }
  return out;
}

export async function dropForeignKeys(ctx: MysqlContext, table: TableRef): Promise<ForeignKeySchema[]> {
  const fks = await foreignKeysOf(ctx, table);
  if (fks.length) await ctx.query(`ALTER TABLE ${ctx.table(table)} ${fks.map((f) => `DROP FOREIGN KEY ${ctx.quoteIdent(f.name)}`).join(', ')}`);
  return fks;
}

export function addForeignKeySql(quote: (s: string) => string, fk: ForeignKeySchema): string {
  const rule = (r: string, what: string) => {
    const upper = (r || 'NO ACTION').toUpperCase();
    if (!RULES.has(upper)) throw fail(`foreign key ${fk.name}: unknown ${what} rule ${JSON.stringify(r)}`);
    return upper;
  };
  return `ADD CONSTRAINT ${quote(fk.name)} FOREIGN KEY (${fk.columns.map(quote).join(', ')}) ` +
    `REFERENCES ${quote(fk.referencedSchema)}.${quote(fk.referencedTable)} (${fk.referencedColumns.map(quote).join(', ')}) ` +
    `ON DELETE ${rule(fk.onDelete, 'ON DELETE')} ON UPDATE ${rule(fk.onUpdate, 'ON UPDATE')}`;
}

/** Re-adds the foreign keys with their names and rules; ones that exist already are left alone (a retried restore). */
export async function restoreForeignKeys(ctx: MysqlContext, table: TableRef, fks: ForeignKeySchema[]): Promise<void> {
  const existing = new Set((await foreignKeysOf(ctx, table)).map((f) => f.name));
  const todo = fks.filter((f) => !existing.has(f.name));
  if (todo.length) await ctx.query(`ALTER TABLE ${ctx.table(table)} ${todo.map((f) => addForeignKeySql(ctx.quoteIdent, f)).join(', ')}`);
}

// ---- indexes and unique constraints -----------------------------------------

async function indexesOf(ctx: MysqlContext, table: TableRef): Promise<IndexSchema[]> {
  const stats = await ctx.query(statisticsQuery(true), [table.schema, table.name]);
  return groupIndexes(stats, ctx.quoteIdent, table.schema).get(table.name) ?? [];
}

async function uniqueConstraintsOf(ctx: MysqlContext, table: TableRef): Promise<UniqueConstraint[]> {
  const rows = await ctx.query(
    `SELECT k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col FROM information_schema.KEY_COLUMN_USAGE k
     JOIN information_schema.TABLE_CONSTRAINTS t
       ON t.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND t.TABLE_NAME = k.TABLE_NAME AND t.CONSTRAINT_NAME = k.CONSTRAINT_NAME
     WHERE k.TABLE_SCHEMA = ? AND k.TABLE_NAME = ? AND t.CONSTRAINT_TYPE = 'UNIQUE'
     ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION`, [table.schema, table.name]);
  const out: UniqueConstraint[] = [];
  for (const r of rows) {
    if (out[out.length - 1]?.name !== r.name) out.push({ name: r.name, columns: [] });
    out[out.length - 1]!.columns.push(r.col);
  }
  return out;
}

const covers = (index: IndexSchema, columns: string[]) => columns.every((c, i) => index.columns[i] === c);

/**
 * Drops secondary (non-unique) indexes. InnoDB needs an index leading with
 * each foreign key's columns and refuses to drop the only one: such a key is
 * dropped with the index and re-added at once, and InnoDB gives it a minimal
 * index of its own (named after the key), which it drops by itself when
 * restoreIndexes recreates the covering index. Functional indexes, which
 * this cannot recreate, stay.
 */
export async function dropIndexes(ctx: MysqlContext, table: TableRef): Promise<IndexSchema[]> {
  const [indexes, fks] = await Promise.all([indexesOf(ctx, table), foreignKeysOf(ctx, table)]);
  const dropped = indexes.filter((i) => !i.unique && i.name !== 'PRIMARY' && i.definition);
  if (!dropped.length) return dropped;
  const kept = indexes.filter((i) => !dropped.includes(i));
  const orphaned = fks.filter((fk) => dropped.some((i) => covers(i, fk.columns)) && !kept.some((i) => covers(i, fk.columns)));
  const q = ctx.quoteIdent;
  await ctx.query(
    `ALTER TABLE ${ctx.table(table)} ${[...orphaned.map((f) => `DROP FOREIGN KEY ${q(f.name)}`), ...dropped.map((i) => `DROP INDEX ${q(i.name)}`)].join(', ')}`,
  );
  if (orphaned.length) {
    try {
      await ctx.query(`ALTER TABLE ${ctx.table(table)} ${orphaned.map((f) => addForeignKeySql(q, f)).join(', ')}`);
    } catch (err) {
      throw fail(`dropped indexes of ${name(table)} but could not re-add foreign key(s) ${orphaned.map((f) => f.name).join(', ')}: ${(err as Error).message}; restore them with restoreForeignKeys`);
    }
  }
  return dropped;
}

export async function restoreIndexes(ctx: MysqlContext, table: TableRef, indexes: IndexSchema[]): Promise<void> {
  const existing = new Set((await indexesOf(ctx, table)).map((i) => i.name));
  const q = ctx.quoteIdent;
  for (const index of indexes.filter((i) => !existing.has(i.name))) {
    await ctx.query(
      index.definition ?? `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${ctx.table(table)} (${index.columns.map(q).join(', ')})`,
    );
  }
}

export async function dropUniqueConstraints(ctx: MysqlContext, table: TableRef): Promise<UniqueConstraint[]> {
  const constraints = await uniqueConstraintsOf(ctx, table);
  if (!constraints.length) return constraints;
  try {
    await ctx.query(`ALTER TABLE ${ctx.table(table)} ${constraints.map((u) => `DROP INDEX ${ctx.quoteIdent(u.name)}`).join(', ')}`);
  } catch (err) {
    if (/1553|needed in a foreign key/i.test(String((err as Error).message))) {
      throw fail(`cannot drop the unique constraints of ${name(table)}: a foreign key needs one of them (${(err as Error).message}); drop the foreign keys first`);
    }
    throw err;
  }
  return constraints;
}

export async function restoreUniqueConstraints(ctx: MysqlContext, table: TableRef, constraints: UniqueConstraint[]): Promise<void> {
  const existing = new Set((await indexesOf(ctx, table)).map((i) => i.name));
  const todo = constraints.filter((u) => !existing.has(u.name));
  const q = ctx.quoteIdent;
  if (todo.length) {
    await ctx.query(`ALTER TABLE ${ctx.table(table)} ${todo.map((u) => `ADD CONSTRAINT ${q(u.name)} UNIQUE KEY (${u.columns.map(q).join(', ')})`).join(', ')}`);
  }
}
