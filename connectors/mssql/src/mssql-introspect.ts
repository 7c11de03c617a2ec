import type { ForeignKeySchema, IndexSchema, IntrospectOptions, TableRef, TableSchema } from '@sluice/connector-sdk';
import { isSluiceTable } from './mssql-checkpoint';
import { nativeTypeName, toCanonical, type MssqlColumn } from './mssql-types';
import type { MssqlContext, Param, Row } from './mssql-session';
import { mssqlDriver } from './mssql-driver';

/** `@schema` (and `@table`) as NVARCHAR(128) parameters: catalog names compare exactly as the server does. */
export function nameParams(schema: string, table?: string): Param[] {
  const sysname = mssqlDriver().TYPES.NVarChar(128);
  return [{ name: 'schema', type: sysname, value: schema }, ...(table === undefined ? [] : [{ name: 'table', type: sysname, value: table }])];
}

/** Which objects a catalog query covers: a whole schema, or one table or view. */
const scope = (alias: string, oneTable: boolean) =>
  `${alias}.schema_id = SCHEMA_ID(@schema)${oneTable ? ` AND ${alias}.name = @table` : ''} AND ${alias}.type IN ('U', 'V')`;

export function tablesQuery(oneTable = false): string {
  return `SELECT o.object_id, o.name, o.type, p.row_count
    FROM sys.objects o
    LEFT JOIN (SELECT object_id, SUM(rows) AS row_count FROM sys.partitions WHERE index_id IN (0, 1) GROUP BY object_id) p ON p.object_id = o.object_id
    WHERE ${scope('o', oneTable)} AND o.is_ms_shipped = 0
    ORDER BY o.name`;
}

/**
 * Columns with their base system type (alias types resolved), identity
 * (sys.identity_columns), default, and whether an ISJSON check guards them
 * (json, as `createTable` makes it).
 */
export function columnsQuery(oneTable = false): string {
  return `SELECT c.object_id, c.column_id, c.name,
      COALESCE(CASE WHEN ty.is_user_defined = 1 THEN bt.name END, ty.name) AS type_name,
      c.max_length, c.precision, c.scale, c.is_nullable, c.is_computed,
      CASE WHEN ic.column_id IS NULL THEN 0 ELSE 1 END AS is_identity,
      dc.definition AS default_definition,
      CASE WHEN EXISTS (SELECT 1 FROM sys.check_constraints k
        WHERE k.parent_object_id = c.object_id AND k.parent_column_id = c.column_id AND k.definition LIKE '%isjson(%') THEN 1 ELSE 0 END AS is_json
    FROM sys.columns c
    JOIN sys.objects o ON o.object_id = c.object_id
    JOIN sys.types ty ON ty.user_type_id = c.user_type_id
    LEFT JOIN sys.types bt ON bt.user_type_id = ty.system_type_id
    LEFT JOIN sys.identity_columns ic ON ic.object_id = c.object_id AND ic.column_id = c.column_id
    LEFT JOIN sys.default_constraints dc ON dc.object_id = c.default_object_id
    WHERE ${scope('o', oneTable)}
    ORDER BY c.object_id, c.column_id`;
}

export function keysQuery(oneTable = false): string {
  return `SELECT kc.parent_object_id AS object_id, kc.name, kc.type, col.name AS column_name
    FROM sys.key_constraints kc
    JOIN sys.objects o ON o.object_id = kc.parent_object_id
    JOIN sys.index_columns ic ON ic.object_id = kc.parent_object_id AND ic.index_id = kc.unique_index_id
    JOIN sys.columns col ON col.object_id = ic.object_id AND col.column_id = ic.column_id
    WHERE ${scope('o', oneTable)} AND ic.key_ordinal > 0
    ORDER BY kc.parent_object_id, kc.type, kc.name, ic.key_ordinal`;
}

export function foreignKeysQuery(oneTable = false): string {
  return `SELECT fk.parent_object_id AS object_id, fk.name, fk.delete_referential_action_desc AS on_delete,
      fk.update_referential_action_desc AS on_update, fk.is_disabled, rs.name AS ref_schema, rt.name AS ref_table,
      pc.name AS column_name, rc.name AS ref_column
    FROM sys.foreign_keys fk
    JOIN sys.objects o ON o.object_id = fk.parent_object_id
    JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id
    JOIN sys.columns pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
    JOIN sys.columns rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
    JOIN sys.objects rt ON rt.object_id = fk.referenced_object_id
    JOIN sys.schemas rs ON rs.schema_id = rt.schema_id
    WHERE ${scope('o', oneTable)}
    ORDER BY fk.parent_object_id, fk.name, fkc.constraint_column_id`;
}

/** Rowstore indexes (clustered and nonclustered), key columns in order, then included ones. */
export function indexesQuery(oneTable = false): string {
  return `SELECT i.object_id, o.name AS table_name, i.index_id, i.name, i.type_desc, i.is_unique, i.is_primary_key,
      i.is_unique_constraint, i.filter_definition, ic.is_descending_key, ic.is_included_column, c.name AS column_name
    FROM sys.indexes i
    JOIN sys.objects o ON o.object_id = i.object_id
    JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
    JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
    WHERE ${scope('o', oneTable)} AND i.type IN (1, 2) AND i.name IS NOT NULL
    ORDER BY i.object_id, i.index_id, ic.is_included_column, ic.key_ordinal, ic.index_column_id`;
}

export function toColumn(r: Row): MssqlColumn {
  const nativeType = nativeTypeName(String(r.type_name), Number(r.max_length), Number(r.precision), Number(r.scale));
  const base = String(r.type_name).toLowerCase();
  const length = base.startsWith('n') && Number(r.max_length) > 0 && /char$/.test(base) ? Number(r.max_length) / 2 : Number(r.max_length);
  return {
    name: r.name,
    nativeType,
    base,
    length,
    precision: Number(r.precision),
    scale: Number(r.scale),
    type: Number(r.is_json) === 1 ? { kind: 'json' } : toCanonical(nativeType),
    nullable: r.is_nullable === true || r.is_nullable === 1,
    identity: Number(r.is_identity) === 1,
    readOnly: r.is_computed === true || r.is_computed === 1 || base === 'timestamp',
    default: r.default_definition ?? null,
  };
}

/** `NO_ACTION` → `NO ACTION`, as the other engines spell the rules. */
const rule = (desc: string | null | undefined) => String(desc ?? 'NO_ACTION').replace(/_/g, ' ');

/** Indexes grouped per table, with the CREATE INDEX that recreates each (INDEX_MANAGEMENT). */
export function groupIndexes(rows: Row[], quote: (name: string) => string, schema: string, onTable?: string): Map<number, IndexSchema[]> {
  const out = new Map<number, IndexSchema[]>();
  const parts = new Map<IndexSchema, { keys: string[]; include: string[]; row: Row }>();
  for (const r of rows) {
    const list = out.get(r.object_id) ?? [];
    out.set(r.object_id, list);
    let index = list[list.length - 1];
    if (index?.name !== r.name) {
      index = { name: r.name, columns: [], unique: r.is_unique === true || r.is_unique === 1 };
      list.push(index);
      parts.set(index, { keys: [], include: [], row: r });
    }
    const p = parts.get(index)!;
    if (r.is_included_column === true || r.is_included_column === 1) p.include.push(quote(r.column_name));
    else {
      index.columns.push(r.column_name);
      p.keys.push(`${quote(r.column_name)}${r.is_descending_key === true || r.is_descending_key === 1 ? ' DESC' : ''}`);
    }
  }
  for (const [index, { keys, include, row }] of parts) {
    if (row.is_primary_key === true || row.is_primary_key === 1 || row.is_unique_constraint === true || row.is_unique_constraint === 1) continue;
    index.definition =
      `CREATE ${index.unique ? 'UNIQUE ' : ''}${row.type_desc === 'CLUSTERED' ? 'CLUSTERED' : 'NONCLUSTERED'} INDEX ${quote(index.name)} ` +
      `ON ${onTable ?? `${quote(schema)}.${quote(row.table_name)}`} (${keys.join(', ')})` +
      (include.length ? ` INCLUDE (${include.join(', ')})` : '') +
      (row.filter_definition ? ` WHERE ${row.filter_definition}` : '');
  }
  return out;
}

/** Tables of a schema with columns, keys, indexes and foreign keys: five catalog queries, whatever the table count. */
export async function introspectSchema(ctx: MssqlContext, schema: string, options: IntrospectOptions = {}): Promise<TableSchema[]> {
  const includeViews = options.includeViews ?? ctx.includeViews;
  const only = options.tables ? new Set(options.tables) : null;
  const params = () => nameParams(schema);
  const [tables, columns, keys, fks, indexes] = await Promise.all([
    ctx.query(tablesQuery(), params()),
    ctx.query(columnsQuery(), params()),
    ctx.query(keysQuery(), params()),
    ctx.query(foreignKeysQuery(), params()),
    ctx.query(indexesQuery(), params()),
  ]);
  const byId = new Map<number, TableSchema>();
  for (const t of tables) {
    const kind = String(t.type).trim() === 'V' ? 'view' : 'table';
    if (kind === 'view' && !includeViews) continue;
    // Sluice's bookkeeping (_sluice_state, replace staging tables) is not data: hidden unless asked for by name.
    if (only ? !only.has(t.name) : isSluiceTable(t.name)) continue;
    byId.set(t.object_id, {
      schema, name: t.name, kind, columns: [], primaryKey: null, uniqueConstraints: [], indexes: [], foreignKeys: [],
      rowEstimate: kind === 'table' && t.row_count !== null && t.row_count !== undefined ? Number(t.row_count) : null,
    });
  }
  for (const c of columns) {
    const col = toColumn(c);
    byId.get(c.object_id)?.columns.push({ name: col.name, nativeType: col.nativeType, type: col.type, nullable: col.nullable, identity: col.identity, default: col.default });
  }
  for (const k of keys) {
    const table = byId.get(k.object_id);
    if (!table) continue;
    if (String(k.type).trim() === 'PK') (table.primaryKey ??= []).push(k.column_name);
    else {
      const last = table.uniqueConstraints[table.uniqueConstraints.length - 1];
      if (last?.name === k.name) last.columns.push(k.column_name);
      else table.uniqueConstraints.push({ name: k.name, columns: [k.column_name] });
    }
  }
  for (const [id, fk] of groupForeignKeys(fks)) byId.get(id)?.foreignKeys.push(...fk);
  for (const [id, list] of groupIndexes(indexes, ctx.quoteIdent, schema)) byId.get(id)?.indexes.push(...list);
  return [...byId.values()];
}

export function groupForeignKeys(rows: Row[]): Map<number, ForeignKeySchema[]> {
  const out = new Map<number, ForeignKeySchema[]>();
  for (const r of rows) {
    const list = out.get(r.object_id) ?? [];
    out.set(r.object_id, list);
    let fk = list[list.length - 1];
    if (fk?.name !== r.name) {
      fk = { name: r.name, columns: [], referencedSchema: r.ref_schema, referencedTable: r.ref_table, referencedColumns: [], onDelete: rule(r.on_delete), onUpdate: rule(r.on_update) };
      list.push(fk);
    }
    fk.columns.push(r.column_name);
    fk.referencedColumns.push(r.ref_column);
  }
  return out;
}

/** The columns of one table or view (one catalog query), in table order; empty when it does not exist. */
export async function tableColumns(ctx: MssqlContext, table: TableRef): Promise<MssqlColumn[]> {
  return (await ctx.query(columnsQuery(true), nameParams(table.schema, table.name))).map(toColumn);
}

/** The foreign keys declared on one table (with whether each is disabled). */
export async function tableForeignKeys(ctx: MssqlContext, table: TableRef): Promise<(ForeignKeySchema & { disabled: boolean })[]> {
  const rows = await ctx.query(foreignKeysQuery(true), nameParams(table.schema, table.name));
  const disabled = new Map(rows.map((r) => [r.name as string, r.is_disabled === true || r.is_disabled === 1]));
  return [...groupForeignKeys(rows).values()].flat().map((fk) => ({ ...fk, disabled: disabled.get(fk.name) ?? false }));
}

/** The indexes of one table; `definedOn` writes their definitions for another table (a copy's). */
export async function tableIndexes(ctx: MssqlContext, table: TableRef, definedOn?: TableRef): Promise<IndexSchema[]> {
  const rows = await ctx.query(indexesQuery(true), nameParams(table.schema, table.name));
  return [...groupIndexes(rows, ctx.quoteIdent, table.schema, definedOn && ctx.table(definedOn)).values()].flat();
}

export async function tableUniqueConstraints(ctx: MssqlContext, table: TableRef): Promise<{ name: string; type: 'PK' | 'UQ'; columns: string[] }[]> {
  const rows = await ctx.query(keysQuery(true), nameParams(table.schema, table.name));
  const out: { name: string; type: 'PK' | 'UQ'; columns: string[] }[] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last?.name === r.name) last.columns.push(r.column_name);
    else out.push({ name: r.name, type: String(r.type).trim() as 'PK' | 'UQ', columns: [r.column_name] });
  }
  return out;
}
