import {
  ConnectorError,
  TestCode,
  type ColumnSchema,
  type ForeignKeySchema,
  type IndexSchema,
  type IntrospectOptions,
  type TableRef,
  type TableSchema,
} from '@sluice/connector-sdk';
import { parseCheck, spellType, toCanonical, type CheckHint } from './oracle-types';
import { isSluiceTable } from './oracle-checkpoint';
import type { OracleContext, Row } from './oracle-session';

/*
 * Five catalog queries per schema, whatever the table count: tables and
 * views, columns (ALL_TAB_COLS with identity), constraints (ALL_CONSTRAINTS
 * with their columns and, for foreign keys, the referenced ones), indexes
 * (ALL_INDEXES + ALL_IND_COLUMNS) and index expressions. With `tables`,
 * each is narrowed to those names.
 */

/** ` AND <col> IN (:t0, :t1, …)` and its binds, for at most 1000 names (Oracle's IN-list limit). */
export function tableFilter(column: string, tables: string[] | null): { sql: string; binds: Record<string, string> } {
  if (!tables) return { sql: '', binds: {} };
  if (!tables.length) return { sql: ' AND 1 = 0', binds: {} };
  const binds: Record<string, string> = {};
  tables.forEach((t, i) => (binds[`t${i}`] = t));
  return { sql: ` AND ${column} IN (${tables.map((_, i) => `:t${i}`).join(', ')})`, binds };
}

export function tablesSql(filter: string, filterV: string, filterM: string): string {
  return `SELECT t.TABLE_NAME AS NAME, 'TABLE' AS KIND, t.NUM_ROWS AS NUM_ROWS FROM ALL_TABLES t
WHERE t.OWNER = :owner AND t.NESTED = 'NO' AND t.SECONDARY = 'N' AND t.DROPPED = 'NO' AND t.TEMPORARY = 'N'
  AND (t.IOT_TYPE IS NULL OR t.IOT_TYPE = 'IOT')
  AND NOT EXISTS (SELECT 1 FROM ALL_MVIEWS m WHERE m.OWNER = t.OWNER AND m.MVIEW_NAME = t.TABLE_NAME)${filter}
UNION ALL SELECT v.VIEW_NAME, 'VIEW', NULL FROM ALL_VIEWS v WHERE v.OWNER = :owner${filterV}
UNION ALL SELECT m.MVIEW_NAME, 'VIEW', NULL FROM ALL_MVIEWS m WHERE m.OWNER = :owner${filterM}`;
}

export function columnsSql(filter: string): string {
  return `SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.DATA_TYPE_OWNER, c.DATA_LENGTH, c.DATA_PRECISION, c.DATA_SCALE,
       c.CHAR_LENGTH, c.CHAR_USED, c.NULLABLE, c.COLUMN_ID, c.DATA_DEFAULT, c.VIRTUAL_COLUMN, c.IDENTITY_COLUMN, c.DEFAULT_ON_NULL,
       i.GENERATION_TYPE
FROM ALL_TAB_COLS c
LEFT JOIN ALL_TAB_IDENTITY_COLS i ON i.OWNER = c.OWNER AND i.TABLE_NAME = c.TABLE_NAME AND i.COLUMN_NAME = c.COLUMN_NAME
WHERE c.OWNER = :owner AND c.HIDDEN_COLUMN = 'NO'${filter}
ORDER BY c.TABLE_NAME, c.COLUMN_ID`;
}

/** Primary, unique, foreign key and check constraints with their columns in order; a foreign key row also carries the referenced column at the same position. */
export function constraintsSql(filter: string, onlyChecks = false): string {
  return `SELECT c.TABLE_NAME, c.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, c.DELETE_RULE, c.STATUS, c.GENERATED, c.SEARCH_CONDITION_VC,
       c.INDEX_NAME, cc.COLUMN_NAME, cc.POSITION, r.OWNER AS R_OWNER, r.TABLE_NAME AS R_TABLE, rcc.COLUMN_NAME AS R_COLUMN
FROM ALL_CONSTRAINTS c
LEFT JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = c.OWNER AND cc.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND cc.TABLE_NAME = c.TABLE_NAME
LEFT JOIN ALL_CONSTRAINTS r ON r.OWNER = c.R_OWNER AND r.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME
LEFT JOIN ALL_CONS_COLUMNS rcc ON rcc.OWNER = r.OWNER AND rcc.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND rcc.POSITION = cc.POSITION
WHERE c.OWNER = :owner AND c.CONSTRAINT_TYPE IN (${onlyChecks ? `'C'` : `'P', 'U', 'R', 'C'`})${filter}
ORDER BY c.TABLE_NAME, c.CONSTRAINT_NAME, cc.POSITION`;
}

const INDEX_TYPES = `'NORMAL', 'NORMAL/REV', 'BITMAP', 'FUNCTION-BASED NORMAL', 'FUNCTION-BASED NORMAL/REV', 'FUNCTION-BASED BITMAP', 'IOT - TOP'`;

export function indexesSql(filter: string): string {
  return `SELECT i.TABLE_NAME, i.OWNER AS INDEX_OWNER, i.INDEX_NAME, i.UNIQUENESS, i.INDEX_TYPE, ic.COLUMN_NAME, ic.COLUMN_POSITION, ic.DESCEND
FROM ALL_INDEXES i
JOIN ALL_IND_COLUMNS ic ON ic.INDEX_OWNER = i.OWNER AND ic.INDEX_NAME = i.INDEX_NAME
WHERE i.TABLE_OWNER = :owner AND i.INDEX_TYPE IN (${INDEX_TYPES})${filter}
ORDER BY i.TABLE_NAME, i.INDEX_NAME, ic.COLUMN_POSITION`;
}

/** Expressions of function-based index keys (also every DESC key, which Oracle implements as one). */
export function indexExpressionsSql(filter: string): string {
  return `SELECT e.INDEX_OWNER, e.INDEX_NAME, e.COLUMN_POSITION, e.COLUMN_EXPRESSION FROM ALL_IND_EXPRESSIONS e
WHERE e.TABLE_OWNER = :owner${filter}`;
}

/** A column with what writers and DDL need beyond ColumnSchema. */
export interface CatalogColumn extends ColumnSchema {
  virtual: boolean;
  /** A virtual column's expression. */
  expression: string | null;
  /** ALWAYS | BY DEFAULT for identity columns. */
  generation: string | null;
  defaultOnNull: boolean;
}

export function toColumn(r: Row, hint: CheckHint | null): CatalogColumn {
  const nativeType = spellType({
    dataType: r.DATA_TYPE, dataLength: r.DATA_LENGTH, precision: r.DATA_PRECISION, scale: r.DATA_SCALE,
    charLength: r.CHAR_LENGTH, charUsed: r.CHAR_USED, typeOwner: r.DATA_TYPE_OWNER,
  });
  const identity = r.IDENTITY_COLUMN === 'YES';
  const virtual = r.VIRTUAL_COLUMN === 'YES';
  const def = typeof r.DATA_DEFAULT === 'string' ? r.DATA_DEFAULT.trim() : null;
  return {
    name: r.COLUMN_NAME,
    nativeType,
    type: toCanonical(nativeType, hint),
    nullable: r.NULLABLE === 'Y',
    identity,
    // An identity's default is its sequence; a virtual column's its expression (no default of its own).
    default: identity || virtual || !def || /^NULL$/i.test(def) ? null : def,
    virtual,
    expression: virtual ? def : null,
    generation: r.GENERATION_TYPE ?? null,
    defaultOnNull: r.DEFAULT_ON_NULL === 'YES',
  };
}

/** CHECK hints per `table\0column` from constraint rows. */
export function checkHints(constraints: Row[]): Map<string, CheckHint> {
  const hints = new Map<string, CheckHint>();
  for (const c of constraints) {
    if (c.CONSTRAINT_TYPE !== 'C') continue;
    const parsed = parseCheck(c.SEARCH_CONDITION_VC);
    if (parsed) hints.set(`${c.TABLE_NAME}\u0000${parsed.column}`, parsed.hint);
  }
  return hints;
}

const RULES: Record<string, string> = { CASCADE: 'CASCADE', 'SET NULL': 'SET NULL', 'NO ACTION': 'NO ACTION' };

/** Oracle's own bookkeeping tables that live in user schemas: not data. */
const ORACLE_INTERNAL = /^(BIN\$|MLOG\$_|RUPD\$_|SYS_IOT_|DR\$|AQ\$_|SYS_EXPORT_)/;

export async function introspectSchema(ctx: OracleContext, schema: string, options: IntrospectOptions = {}): Promise<TableSchema[]> {
  const includeViews = options.includeViews ?? ctx.includeViews;
  const only = options.tables && options.tables.length <= 1000 ? options.tables : null;
  const f = (column: string) => tableFilter(column, only);
  const binds = { owner: schema, ...f('x').binds };
  const [tables, columns, constraints, indexes, expressions] = await Promise.all([
    ctx.query(tablesSql(f('t.TABLE_NAME').sql, f('v.VIEW_NAME').sql, f('m.MVIEW_NAME').sql), binds),
    ctx.query(columnsSql(f('c.TABLE_NAME').sql), binds),
    ctx.query(constraintsSql(f('c.TABLE_NAME').sql), binds),
    ctx.query(indexesSql(f('i.TABLE_NAME').sql), binds),
    ctx.query(indexExpressionsSql(f('e.TABLE_NAME').sql), binds),
  ]);
  const wanted = options.tables ? new Set(options.tables) : null;
  // Sluice's bookkeeping (_sluice_state, replace staging tables) is not data: hidden unless asked for by name.
  const keep = (name: string) => (wanted ? wanted.has(name) : !isSluiceTable(name) && !ORACLE_INTERNAL.test(name));
  const byTable = new Map<string, TableSchema>();
  for (const t of tables) {
    if (!keep(t.NAME)) continue;
    const kind = t.KIND === 'VIEW' ? 'view' : 'table';
    if (kind === 'view' && !includeViews) continue;
    byTable.set(t.NAME, {
      schema, name: t.NAME, kind, columns: [], primaryKey: null, uniqueConstraints: [], indexes: [], foreignKeys: [],
      rowEstimate: t.NUM_ROWS === null || t.NUM_ROWS === undefined ? null : Number(t.NUM_ROWS),
    });
  }
  const hints = checkHints(constraints);
  for (const c of columns) {
    const table = byTable.get(c.TABLE_NAME);
    if (!table) continue;
    const { virtual: _v, expression: _x, generation: _g, defaultOnNull: _d, ...column } = toColumn(c, hints.get(`${c.TABLE_NAME}\u0000${c.COLUMN_NAME}`) ?? null);
    table.columns.push(column);
  }
  for (const c of constraints) {
    const table = byTable.get(c.TABLE_NAME);
    if (!table || !c.COLUMN_NAME) continue;
    if (c.CONSTRAINT_TYPE === 'P') (table.primaryKey ??= []).push(c.COLUMN_NAME);
    else if (c.CONSTRAINT_TYPE === 'U') lastNamed(table.uniqueConstraints, c.CONSTRAINT_NAME, () => ({ name: c.CONSTRAINT_NAME, columns: [] })).columns.push(c.COLUMN_NAME);
    else if (c.CONSTRAINT_TYPE === 'R') {
      const fk = lastNamed(table.foreignKeys, c.CONSTRAINT_NAME, (): ForeignKeySchema => ({
        name: c.CONSTRAINT_NAME, columns: [], referencedSchema: c.R_OWNER, referencedTable: c.R_TABLE, referencedColumns: [],
        onDelete: RULES[c.DELETE_RULE] ?? 'NO ACTION', onUpdate: 'NO ACTION',
      }));
      fk.columns.push(c.COLUMN_NAME);
      fk.referencedColumns.push(c.R_COLUMN);
    }
  }
  for (const [name, list] of groupIndexes(indexes, expressions, ctx.quoteIdent, schema)) byTable.get(name)?.indexes.push(...list);
  return [...byTable.values()];
}

function lastNamed<T extends { name: string }>(list: T[], name: string, make: () => T): T {
  const last = list[list.length - 1];
  if (last?.name === name) return last;
  const item = make();
  list.push(item);
  return item;
}

/** `"NAME"` (a DESC key's expression) → NAME; any other expression as written. */
const unquoted = (expr: string) => (/^"[^"]+"$/.test(expr.trim()) ? expr.trim().slice(1, -1) : expr.trim());

/**
 * Indexes per table with `definition` = the CREATE INDEX that recreates
 * them (DESC, function-based keys, BITMAP, REVERSE). An IOT's primary key
 * index has none (it is the table).
 */
export function groupIndexes(rows: Row[], expressions: Row[], quote: (s: string) => string, schema: string): Map<string, IndexSchema[]> {
  const exprOf = new Map(expressions.map((e) => [`${e.INDEX_OWNER}\u0000${e.INDEX_NAME}\u0000${e.COLUMN_POSITION}`, String(e.COLUMN_EXPRESSION)]));
  const out = new Map<string, IndexSchema[]>();
  const parts = new Map<IndexSchema, string[]>();
  const meta = new Map<IndexSchema, Row>();
  for (const r of rows) {
    const list = out.get(r.TABLE_NAME) ?? [];
    out.set(r.TABLE_NAME, list);
    const last = list[list.length - 1];
    let index = last && last.name === r.INDEX_NAME && meta.get(last)?.INDEX_OWNER === r.INDEX_OWNER ? last : undefined;
    if (!index) {
      index = { name: r.INDEX_NAME, columns: [], unique: r.UNIQUENESS === 'UNIQUE' };
      list.push(index);
      parts.set(index, []);
      meta.set(index, r);
    }
    const expr = exprOf.get(`${r.INDEX_OWNER}\u0000${r.INDEX_NAME}\u0000${r.COLUMN_POSITION}`);
    const desc = r.DESCEND === 'DESC' ? ' DESC' : '';
    index.columns.push(expr ? unquoted(expr) : r.COLUMN_NAME);
    parts.get(index)!.push(`${expr ?? quote(r.COLUMN_NAME)}${desc}`);
  }
  for (const [table, list] of out) {
    for (const index of list) {
      const m = meta.get(index)!;
      const type = String(m.INDEX_TYPE);
      if (type === 'IOT - TOP') continue;
      const kind = type.includes('BITMAP') ? 'BITMAP ' : index.unique ? 'UNIQUE ' : '';
      index.definition = `CREATE ${kind}INDEX ${quote(m.INDEX_OWNER)}.${quote(index.name)} ON ${quote(schema)}.${quote(table)} (${parts.get(index)!.join(', ')})${type.endsWith('/REV') ? ' REVERSE' : ''}`;
    }
  }
  return out;
}

/** The columns of one table with CHECK-derived types (two catalog queries), in table order; throws when it does not exist. */
export async function tableColumns(ctx: OracleContext, table: TableRef): Promise<CatalogColumn[]> {
  const f = tableFilter('c.TABLE_NAME', [table.name]);
  const binds = { owner: table.schema, ...f.binds };
  const [columns, checks] = await Promise.all([ctx.query(columnsSql(f.sql), binds), ctx.query(constraintsSql(f.sql, true), binds)]);
  if (!columns.length) {
    throw new ConnectorError(TestCode.DRIVER_ERROR, `table ${table.schema}.${table.name} does not exist (or is not visible to this user)`, false);
  }
  const hints = checkHints(checks);
  return columns.map((c) => toColumn(c, hints.get(`${c.TABLE_NAME}\u0000${c.COLUMN_NAME}`) ?? null));
}
