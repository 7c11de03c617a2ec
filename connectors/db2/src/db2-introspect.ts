import type { ColumnSchema, ForeignKeySchema, IndexSchema, IntrospectOptions, TableRef, TableSchema } from '@sluice/connector-sdk';
import { isSluiceTable } from './db2-checkpoint';
import { columnCanonical, nativeSpelling, type Db2ColumnType } from './db2-types';
import type { Db2Context, Row } from './db2-session';

/** A column with what the reader and writer need to bind and select it exactly. */
export interface Db2Column extends ColumnSchema, Db2ColumnType {
  /** GENERATED ALWAYS identity: explicit values are refused by DB2. */
  generatedAlways: boolean;
}

/** System schemas of DB2 LUW, left out of listSchemas. */
export const SYSTEM_SCHEMAS = [
  'SYSCAT', 'SYSFUN', 'SYSIBM', 'SYSIBMADM', 'SYSIBMINTERNAL', 'SYSIBMTS', 'SYSPROC', 'SYSPUBLIC', 'SYSSTAT', 'SYSTOOLS',
  'NULLID', 'SQLJ', 'IBM_RTMON', 'IBMCONSOLE', 'IBMPDQ', 'IBMOTS', 'SYSDEBUG', 'SYSHADOOP', 'SYSIBMMON',
];

export function listSchemasSql(): string {
  return `SELECT SCHEMANAME AS "name" FROM SYSCAT.SCHEMATA WHERE SCHEMANAME NOT IN (${SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(', ')}) ORDER BY SCHEMANAME`;
}

// One query per object kind for the whole schema (never one per table); `oneTable` narrows to one table.
const tableFilter = (alias: string, oneTable: boolean) => `${alias}.TABSCHEMA = ?${oneTable ? ` AND ${alias}.TABNAME = ?` : ''}`;

export function tablesSql(oneTable = false): string {
  return `SELECT t.TABNAME AS "table_name", t.TYPE AS "type", t.CARD AS "card" FROM SYSCAT.TABLES t
    WHERE ${tableFilter('t', oneTable)} AND t.TYPE IN ('T', 'V') ORDER BY t.TABNAME`;
}

export function columnsSql(oneTable = false): string {
  return `SELECT c.TABNAME AS "table_name", c.COLNAME AS "name", c.TYPENAME AS "type_name", c.LENGTH AS "length", c.SCALE AS "scale",
      c.CODEPAGE AS "codepage", c.STRINGUNITS AS "string_units", c.STRINGUNITSLENGTH AS "string_units_length", c.NULLS AS "nulls",
      c.IDENTITY AS "identity", c.GENERATED AS "generated", c.DEFAULT AS "default", c.REMARKS AS "remarks"
    FROM SYSCAT.COLUMNS c WHERE ${tableFilter('c', oneTable)} ORDER BY c.TABNAME, c.COLNO`;
}

/** Primary key and unique constraint columns (TABCONST type P / U), in key order. */
export function keysSql(oneTable = false): string {
  return `SELECT k.TABNAME AS "table_name", k.CONSTNAME AS "name", t.TYPE AS "type", k.COLNAME AS "column_name"
    FROM SYSCAT.KEYCOLUSE k
    JOIN SYSCAT.TABCONST t ON t.TABSCHEMA = k.TABSCHEMA AND t.TABNAME = k.TABNAME AND t.CONSTNAME = k.CONSTNAME
    WHERE ${tableFilter('k', oneTable)} AND t.TYPE IN ('P', 'U') ORDER BY k.TABNAME, k.CONSTNAME, k.COLSEQ`;
}

/** Foreign keys with their columns and the parent key's columns paired by position. */
export function foreignKeysSql(oneTable = false): string {
  return `SELECT r.TABNAME AS "table_name", r.CONSTNAME AS "name", r.REFTABSCHEMA AS "ref_schema", r.REFTABNAME AS "ref_table",
      r.DELETERULE AS "on_delete", r.UPDATERULE AS "on_update", f.COLNAME AS "column_name", p.COLNAME AS "ref_column"
    FROM SYSCAT.REFERENCES r
    JOIN SYSCAT.KEYCOLUSE f ON f.TABSCHEMA = r.TABSCHEMA AND f.TABNAME = r.TABNAME AND f.CONSTNAME = r.CONSTNAME
    JOIN SYSCAT.KEYCOLUSE p ON p.TABSCHEMA = r.REFTABSCHEMA AND p.TABNAME = r.REFTABNAME AND p.CONSTNAME = r.REFKEYNAME AND p.COLSEQ = f.COLSEQ
    WHERE ${tableFilter('r', oneTable)} ORDER BY r.TABNAME, r.CONSTNAME, f.COLSEQ`;
}

/** Indexes with their key columns (INCLUDE columns, COLORDER 'I', left out of `columns`). */
export function indexesSql(oneTable = false): string {
  return `SELECT i.TABNAME AS "table_name", i.INDSCHEMA AS "index_schema", i.INDNAME AS "name", i.UNIQUERULE AS "unique_rule",
      i.INDEXTYPE AS "index_type", u.COLNAME AS "column_name", u.COLORDER AS "col_order"
    FROM SYSCAT.INDEXES i
    JOIN SYSCAT.INDEXCOLUSE u ON u.INDSCHEMA = i.INDSCHEMA AND u.INDNAME = i.INDNAME
    WHERE ${tableFilter('i', oneTable)} ORDER BY i.TABNAME, i.INDSCHEMA, i.INDNAME, u.COLSEQ`;
}

const DELETE_RULES: Record<string, string> = { A: 'NO ACTION', C: 'CASCADE', N: 'SET NULL', R: 'RESTRICT' };
const UPDATE_RULES: Record<string, string> = { A: 'NO ACTION', R: 'RESTRICT' };
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v).trimEnd());

export function toColumn(r: Row): Db2Column {
  const units32 = str(r.string_units) === 'CODEUNITS32';
  const facts = {
    typeName: str(r.type_name),
    length: Number(units32 ? r.string_units_length : r.length),
    scale: Number(r.scale ?? 0),
    bitData: Number(r.codepage) === 0 && /CHAR/i.test(str(r.type_name)),
    codeUnits32: units32,
  };
  const identity = str(r.identity) === 'Y';
  return {
    name: str(r.name),
    nativeType: nativeSpelling(facts),
    ...facts,
    type: columnCanonical(facts, r.remarks === null || r.remarks === undefined ? null : str(r.remarks)),
    nullable: str(r.nulls) === 'Y',
    identity,
    generatedAlways: identity && str(r.generated) === 'A',
    default: r.default === null || r.default === undefined ? null : str(r.default),
  };
}

/** `CREATE [UNIQUE] INDEX "schema"."name" ON "s"."t" ("a", "b" DESC) [INCLUDE (…)]`, or undefined for kinds it cannot recreate (XML, …). */
export function indexDefinition(q: (s: string) => string, table: TableRef, indexSchema: string, name: string, unique: boolean, parts: { column: string; order: string }[], indexType: string): string | undefined {
  if (!['REG', 'CLUS'].includes(indexType)) return undefined;
  const keys = parts.filter((p) => p.order !== 'I').map((p) => `${q(p.column)}${p.order === 'D' ? ' DESC' : ''}`);
  const include = parts.filter((p) => p.order === 'I').map((p) => q(p.column));
  return `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${q(indexSchema)}.${q(name)} ON ${q(table.schema)}.${q(table.name)} (${keys.join(', ')})` +
    `${include.length ? ` INCLUDE (${include.join(', ')})` : ''}${indexType === 'CLUS' ? ' CLUSTER' : ''}`;
}

/** Indexes per table from `indexesSql` rows; `definition` recreates secondary ones. */
export function groupIndexes(rows: Row[], q: (s: string) => string, schema: string): Map<string, IndexSchema[]> {
  const out = new Map<string, IndexSchema[]>();
  const parts = new Map<IndexSchema, { column: string; order: string }[]>();
  const meta = new Map<IndexSchema, { schema: string; type: string; rule: string }>();
  for (const r of rows) {
    const table = str(r.table_name);
    const list = out.get(table) ?? [];
    out.set(table, list);
    let index = list[list.length - 1];
    if (!index || index.name !== str(r.name) || meta.get(index)!.schema !== str(r.index_schema)) {
      index = { name: str(r.name), columns: [], unique: str(r.unique_rule) !== 'D' };
      list.push(index);
      parts.set(index, []);
      meta.set(index, { schema: str(r.index_schema), type: str(r.index_type), rule: str(r.unique_rule) });
    }
    parts.get(index)!.push({ column: str(r.column_name), order: str(r.col_order) });
    if (str(r.col_order) !== 'I') index.columns.push(str(r.column_name));
  }
  for (const [table, list] of out) {
    for (const index of list) {
      const m = meta.get(index)!;
      if (m.rule === 'P') continue;
      const definition = indexDefinition(q, { schema, name: table }, m.schema, index.name, index.unique, parts.get(index)!, m.type);
      if (definition) index.definition = definition;
    }
  }
  return out;
}

/** Tables of a schema with columns, keys, indexes and foreign keys: five catalog queries, whatever the table count. */
export async function introspectSchema(ctx: Db2Context, schema: string, options: IntrospectOptions = {}): Promise<TableSchema[]> {
  const includeViews = options.includeViews ?? ctx.includeViews;
  const only = options.tables ? new Set(options.tables) : null;
  // Sluice's bookkeeping (_sluice_state, replace staging tables) is not data: hidden unless asked for by name.
  const keep = (name: string) => (only ? only.has(name) : !isSluiceTable(name));
  const [tables, columns, keys, fks, indexes] = await Promise.all([
    ctx.query(tablesSql(), [schema]),
    ctx.query(columnsSql(), [schema]),
    ctx.query(keysSql(), [schema]),
    ctx.query(foreignKeysSql(), [schema]),
    ctx.query(indexesSql(), [schema]),
  ]);
  return assemble(schema, includeViews, keep, tables, columns, keys, fks, indexes, ctx.quoteIdent);
}

/** The TableSchemas from the five catalog results (pure: tested without a server). */
export function assemble(
  schema: string, includeViews: boolean, keep: (name: string) => boolean,
  tables: Row[], columns: Row[], keys: Row[], fks: Row[], indexes: Row[], q: (s: string) => string,
): TableSchema[] {
  const byTable = new Map<string, TableSchema>();
  for (const t of tables) {
    const name = str(t.table_name);
    const kind = str(t.type) === 'V' ? 'view' : 'table';
    if (!keep(name) || (kind === 'view' && !includeViews)) continue;
    const card = Number(t.card);
    byTable.set(name, {
      schema, name, kind, columns: [], primaryKey: null, uniqueConstraints: [], indexes: [], foreignKeys: [],
      rowEstimate: kind === 'table' && Number.isFinite(card) && card >= 0 ? card : null,
    });
  }
  for (const c of columns) {
    const column = toColumn(c);
    byTable.get(str(c.table_name))?.columns.push({
      name: column.name, nativeType: column.nativeType, type: column.type, nullable: column.nullable, identity: column.identity, default: column.default,
    });
  }
  for (const k of keys) {
    const table = byTable.get(str(k.table_name));
    if (!table) continue;
    if (str(k.type) === 'P') (table.primaryKey ??= []).push(str(k.column_name));
    else lastNamed(table.uniqueConstraints, str(k.name), () => ({ name: str(k.name), columns: [] })).columns.push(str(k.column_name));
  }
  for (const f of fks) {
    const table = byTable.get(str(f.table_name));
    if (!table) continue;
    const fk = lastNamed(table.foreignKeys, str(f.name), (): ForeignKeySchema => ({
      name: str(f.name), columns: [], referencedSchema: str(f.ref_schema), referencedTable: str(f.ref_table), referencedColumns: [],
      onDelete: DELETE_RULES[str(f.on_delete)] ?? 'NO ACTION', onUpdate: UPDATE_RULES[str(f.on_update)] ?? 'NO ACTION',
    }));
    fk.columns.push(str(f.column_name));
    fk.referencedColumns.push(str(f.ref_column));
  }
  for (const [name, list] of groupIndexes(indexes, q, schema)) byTable.get(name)?.indexes.push(...list);
  return [...byTable.values()];
}

function lastNamed<T extends { name: string }>(list: T[], name: string, make: () => T): T {
  const last = list[list.length - 1];
  if (last?.name === name) return last;
  const item = make();
  list.push(item);
  return item;
}

/** The columns of one table (one catalog query), in table order; [] when the table does not exist. */
export async function tableColumns(ctx: Db2Context, table: TableRef): Promise<Db2Column[]> {
  return (await ctx.query(columnsSql(true), [table.schema, table.name])).map(toColumn);
}
