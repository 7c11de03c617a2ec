import type { ColumnSchema, ForeignKeySchema, IndexSchema, IntrospectOptions, TableRef, TableSchema } from '@sluice/connector-sdk';
import { toCanonical, type MysqlFlavour } from './mysql-types';
import { isSluiceTable } from './mysql-checkpoint';
import type { MysqlContext } from './mysql-session';

type Row = Record<string, any>;

/**
 * Columns of a schema (or of one table), in table order. MariaDB's JSON columns are found by their CHECK
 * (`jsonChecksQuery`), a separate query: a correlated subquery per column re-reads CHECK_CONSTRAINTS for
 * each one, seconds for a table of a thousand columns.
 */
export function columnsQuery(_flavour: MysqlFlavour, oneTable: boolean): string {
  return `SELECT c.TABLE_NAME AS table_name, c.COLUMN_NAME AS name, c.COLUMN_TYPE AS column_type, c.IS_NULLABLE AS nullable,
      c.COLUMN_DEFAULT AS column_default, c.EXTRA AS extra
    FROM information_schema.COLUMNS c
    WHERE c.TABLE_SCHEMA = ?${oneTable ? ' AND c.TABLE_NAME = ?' : ''}
    ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`;
}

/** MariaDB only: JSON columns by their CHECK (MySQL's CHECK_CONSTRAINTS has no TABLE_NAME, and JSON is a real type there). */
export function jsonChecksQuery(flavour: MysqlFlavour, oneTable = false): string | null {
  return flavour.mariadb
    ? `SELECT TABLE_NAME AS table_name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
       WHERE CONSTRAINT_SCHEMA = ?${oneTable ? ' AND TABLE_NAME = ?' : ''} AND CHECK_CLAUSE LIKE 'json\\_valid(%'`
    : null;
}

/** The column named by a MariaDB `json_valid(\`col\`)` CHECK, or null. */
export function jsonCheckColumn(clause: string): string | null {
  const m = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(clause.trim());
  return m ? m[1]!.replace(/``/g, '`') : null;
}

export function toColumn(row: Row, flavour: MysqlFlavour, isJson: boolean): ColumnSchema {
  const nullable = row.nullable === 'YES';
  let def: string | null = row.column_default ?? null;
  // MariaDB prints "no default" of a nullable column as the literal NULL (string defaults are quoted there).
  if (flavour.mariadb && def === 'NULL') def = null;
  return {
    name: row.name,
    nativeType: row.column_type,
    type: isJson ? { kind: 'json' } : toCanonical(row.column_type),
    nullable,
    identity: /auto_increment/i.test(row.extra ?? ''),
    default: def,
  };
}

/** Tables of a schema with columns, keys, indexes and foreign keys: six catalog queries, whatever the table count. */
export async function introspectSchema(ctx: MysqlContext, schema: string, options: IntrospectOptions = {}): Promise<TableSchema[]> {
  const includeViews = options.includeViews ?? ctx.includeViews;
  const only = options.tables ? new Set(options.tables) : null;
  // Sluice's bookkeeping (_sluice_state, replace staging tables) is not data: hidden unless asked for by name.
  const keep = (r: Row) => (only ? only.has(r.table_name) : !isSluiceTable(r.table_name));
  const jsonSql = jsonChecksQuery(ctx.flavour);
  const [tables, columns, keys, rules, stats, checks] = await Promise.all([
    ctx.query(
      `SELECT TABLE_NAME AS table_name, TABLE_TYPE AS table_type, TABLE_ROWS AS table_rows, AUTO_INCREMENT AS auto_increment
       FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, [schema]),
    ctx.query(columnsQuery(ctx.flavour, false), [schema]),
    ctx.query(
      `SELECT k.TABLE_NAME AS table_name, k.CONSTRAINT_NAME AS name, t.CONSTRAINT_TYPE AS type, k.COLUMN_NAME AS column_name,
              k.REFERENCED_TABLE_SCHEMA AS ref_schema, k.REFERENCED_TABLE_NAME AS ref_table, k.REFERENCED_COLUMN_NAME AS ref_column
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.TABLE_CONSTRAINTS t
         ON t.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND t.TABLE_NAME = k.TABLE_NAME AND t.CONSTRAINT_NAME = k.CONSTRAINT_NAME
       WHERE k.TABLE_SCHEMA = ? AND t.TABLE_SCHEMA = ?
       ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`, [schema, schema]),
    ctx.query(
      `SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS name, UPDATE_RULE AS on_update, DELETE_RULE AS on_delete
       FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?`, [schema]),
    ctx.query(statisticsQuery(false), [schema]),
    jsonSql ? ctx.query(jsonSql, [schema]) : Promise.resolve([] as Row[]),
  ]);
  const jsonColumns = new Set(checks.map((c) => `${c.table_name}\u0000${jsonCheckColumn(c.clause)}`));
  const byTable = new Map<string, TableSchema>();
  for (const t of tables.filter(keep)) {
    const kind = t.table_type === 'VIEW' ? 'view' : t.table_type === 'BASE TABLE' || t.table_type === 'SYSTEM VERSIONED' ? 'table' : null;
    if (!kind || (kind === 'view' && !includeViews)) continue;
    byTable.set(t.table_name, {
      schema, name: t.table_name, kind, columns: [], primaryKey: null, uniqueConstraints: [], indexes: [], foreignKeys: [],
      rowEstimate: kind === 'table' && t.table_rows !== null ? Number(t.table_rows) : null,
    });
  }
  const nextOf = new Map(tables.filter((t) => t.auto_increment !== null && t.auto_increment !== undefined).map((t) => [t.table_name, String(t.auto_increment)]));
  for (const c of columns) {
    const column = toColumn(c, ctx.flavour, jsonColumns.has(`${c.table_name}\u0000${c.name}`));
    // The table's AUTO_INCREMENT counter: its (only) auto_increment column's next value.
    if (column.identity && nextOf.has(c.table_name)) column.identityNext = nextOf.get(c.table_name)!;
    byTable.get(c.table_name)?.columns.push(column);
  }
  const ruleOf = new Map(rules.map((r) => [`${r.table_name}\u0000${r.name}`, r]));
  for (const k of keys) {
    const table = byTable.get(k.table_name);
    if (!table) continue;
    if (k.type === 'PRIMARY KEY') (table.primaryKey ??= []).push(k.column_name);
    else if (k.type === 'UNIQUE') lastNamed(table.uniqueConstraints, k.name, () => ({ name: k.name, columns: [] })).columns.push(k.column_name);
    else if (k.type === 'FOREIGN KEY') {
      const rule = ruleOf.get(`${k.table_name}\u0000${k.name}`);
      const fk = lastNamed(table.foreignKeys, k.name, (): ForeignKeySchema => ({
        name: k.name, columns: [], referencedSchema: k.ref_schema, referencedTable: k.ref_table, referencedColumns: [],
        onDelete: rule?.on_delete ?? 'NO ACTION', onUpdate: rule?.on_update ?? 'NO ACTION',
      }));
      fk.columns.push(k.column_name);
      fk.referencedColumns.push(k.ref_column);
    }
  }
  for (const [name, index] of groupIndexes(stats, ctx.quoteIdent, schema)) byTable.get(name)?.indexes.push(...index);
  return [...byTable.values()];
}

function lastNamed<T extends { name: string }>(list: T[], name: string, make: () => T): T {
  const last = list[list.length - 1];
  if (last?.name === name) return last;
  const item = make();
  list.push(item);
  return item;
}

export function statisticsQuery(oneTable: boolean): string {
  return `SELECT TABLE_NAME AS table_name, INDEX_NAME AS name, NON_UNIQUE AS non_unique, COLUMN_NAME AS column_name,
      SUB_PART AS sub_part, COLLATION AS collation, INDEX_TYPE AS index_type
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?${oneTable ? ' AND TABLE_NAME = ?' : ''}
    ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`;
}

/**
 * Indexes per table from STATISTICS rows, with `definition` = the CREATE
 * INDEX that recreates them (prefix lengths, DESC, FULLTEXT/SPATIAL).
 * Functional indexes (no COLUMN_NAME) get no definition.
 */
export function groupIndexes(stats: Row[], quoteIdent: (name: string) => string, schema: string): Map<string, IndexSchema[]> {
  const out = new Map<string, IndexSchema[]>();
  const parts = new Map<IndexSchema, string[] | null>();
  const kinds = new Map<IndexSchema, string>();
  for (const s of stats) {
    const list = out.get(s.table_name) ?? [];
    out.set(s.table_name, list);
    const index = lastNamed(list, s.name, () => ({ name: s.name, columns: [], unique: Number(s.non_unique) === 0 }));
    if (!parts.has(index)) parts.set(index, []), kinds.set(index, s.index_type);
    if (s.column_name === null) {
      parts.set(index, null);
      continue;
    }
    index.columns.push(s.column_name);
    const p = parts.get(index);
    p?.push(`${quoteIdent(s.column_name)}${s.sub_part ? `(${Number(s.sub_part)})` : ''}${s.collation === 'D' ? ' DESC' : ''}`);
  }
  for (const [table, list] of out) {
    for (const index of list) {
      const p = parts.get(index);
      if (!p || index.name === 'PRIMARY') continue;
      const kind = kinds.get(index) === 'FULLTEXT' ? 'FULLTEXT ' : kinds.get(index) === 'SPATIAL' ? 'SPATIAL ' : index.unique ? 'UNIQUE ' : '';
      index.definition = `CREATE ${kind}INDEX ${quoteIdent(index.name)} ON ${quoteIdent(schema)}.${quoteIdent(table)} (${p.join(', ')})`;
    }
  }
  return out;
}

/** The columns of one table (one catalog query), in table order; throws when the table does not exist. */
export async function tableColumns(ctx: MysqlContext, table: TableRef): Promise<ColumnSchema[]> {
  const jsonSql = jsonChecksQuery(ctx.flavour, true);
  const [rows, checks] = await Promise.all([
    ctx.query(columnsQuery(ctx.flavour, true), [table.schema, table.name]),
    jsonSql ? ctx.query(jsonSql, [table.schema, table.name]) : Promise.resolve([] as Row[]),
  ]);
  const json = new Set(checks.map((c) => jsonCheckColumn(c.clause)));
  return rows.map((r) => toColumn(r, ctx.flavour, json.has(r.name)));
}
