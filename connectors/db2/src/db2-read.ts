import { boundedRange, ConnectorError, pickColumns, TestCode, type KeyRange, type ReadOptions, type RowBatch, type TableRef } from '@sluice/connector-sdk';
import { tableColumns, type Db2Column } from './db2-introspect';
import { decodeValue, encodeParam, markerExpr, selectExpr } from './db2-types';
import type { Db2Context } from './db2-session';
import type { Db2Param } from './db2-driver';

/**
 * `(k1 > ?) OR (k1 = ? AND k2 > ?) OR …`: DB2 LUW has no row-value `>`
 * comparison, and the expanded form is a range scan on the key's index.
 * With `'<='` (a range's end): `(k1 < ?) OR (k1 = ? AND k2 <= ?)`. `markers`
 * are the typed markers of the key columns. Returns the SQL and the
 * parameter order as indexes into the key.
 */
export function keysetCondition(quotedKey: string[], markers: string[], op: '>' | '<=' = '>'): { sql: string; params: number[] } {
  const strict = op === '>' ? '>' : '<';
  const terms: string[] = [];
  const params: number[] = [];
  for (let i = 0; i < quotedKey.length; i++) {
    const parts = quotedKey.slice(0, i).map((k, j) => (params.push(j), `${k} = ${markers[j]}`));
    parts.push(`${quotedKey[i]} ${i === quotedKey.length - 1 ? op : strict} ${markers[i]}`);
    params.push(i);
    terms.push(parts.length > 1 ? `(${parts.join(' AND ')})` : parts[0]!);
  }
  return { sql: terms.length > 1 ? `(${terms.join(' OR ')})` : terms[0]!, params };
}

/** One keyset page: `SELECT … WHERE … ORDER BY key FETCH FIRST n ROWS ONLY`; columns labelled c0, c1, … (row values by position). */
export function pageSql(table: string, selectList: string[], where: string[], orderBy: string[], batchSize: number): string {
  return `SELECT ${selectList.map((e, i) => `${e} AS "c${i}"`).join(', ')} FROM ${table}` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${orderBy.join(', ')} FETCH FIRST ${batchSize} ROWS ONLY`;
}

/** Batches in key order, one keyset page a query (constant memory; a page ends its cursor before the next starts). */
export async function* readTable(ctx: Db2Context, table: TableRef, options: ReadOptions): AsyncGenerator<RowBatch> {
  const columns = await tableColumns(ctx, table);
  if (!columns.length) throw notFound(table);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const need = (name: string): Db2Column => {
    const c = byName.get(name);
    if (!c) throw new ConnectorError(TestCode.DRIVER_ERROR, `column ${name} does not exist in ${table.schema}.${table.name}`, false);
    return c;
  };
  if (!options.key?.length) throw new ConnectorError(TestCode.DRIVER_ERROR, 'read needs a key (the columns it is ordered by and resumed on)', false);
  const wanted = options.columns ?? columns.map((c) => c.name);
  const selected = [...wanted, ...options.key.filter((k) => !wanted.includes(k))].map(need);
  const keyColumns = options.key.map(need);
  const keyAt = options.key.map((k) => selected.findIndex((c) => c.name === k));
  for (const [name, cursor] of [['after', options.after], ['until', options.until]] as const) {
    if (cursor && cursor.length !== options.key.length) {
      throw new ConnectorError(TestCode.DRIVER_ERROR, `${name} has ${cursor.length} values for key (${options.key.join(', ')})`, false);
    }
  }
  const q = ctx.quoteIdent;
  const quotedKey = options.key.map(q);
  const keyMarkers = keyColumns.map(markerExpr);
  const encodeKey = (values: unknown[]) => values.map((v, i) => encodeParam(v, keyColumns[i]!.type, keyColumns[i]!.name));
  const keyset = keysetCondition(quotedKey, keyMarkers);
  let until: { sql: string; values: Db2Param[] } | null = null;
  if (options.until) {
    const end = keysetCondition(quotedKey, keyMarkers, '<=');
    const encoded = encodeKey(options.until);
    until = { sql: end.sql, values: end.params.map((i) => encoded[i]!) };
  }
  const sinceColumn = options.since ? need(options.since.column) : null;
  const since = options.since && sinceColumn
    ? { sql: `${q(sinceColumn.name)} > ${markerExpr(sinceColumn)}`, value: encodeParam(options.since.value, sinceColumn.type, sinceColumn.name) }
    : null;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 10_000));
  const selectList = selected.map((c) => selectExpr(q(c.name), c));

  let after = options.after ?? null;
  for (;;) {
    if (options.signal?.aborted) return;
    const where: string[] = [];
    const params: Db2Param[] = [];
    if (since) where.push(since.sql), params.push(since.value);
    if (after) {
      const encoded = encodeKey(after);
      where.push(keyset.sql);
      params.push(...keyset.params.map((i) => encoded[i]!));
    }
    if (until) where.push(until.sql), params.push(...until.values);
    const sql = pageSql(ctx.table(table), selectList, where, quotedKey, batchSize);
    const raw = await ctx.withConnection((c) => c.query(sql, params), options.signal);
    if (!raw.length) return;
    const rows = raw.map((r) => selected.map((c, i) => decodeValue(r[`c${i}`], c.type)));
    const lastRow = rows[rows.length - 1]!;
    const last = keyAt.map((i) => lastRow[i]);
    yield { rows: selected.length > wanted.length ? rows.map((r) => r.slice(0, wanted.length)) : rows, last };
    if (raw.length < batchSize) return;
    after = last;
  }
}

/** `SELECT MIN(c), MAX(c)`, decoded by the column's type exactly as a read decodes it. */
export async function readKeyBounds(ctx: Db2Context, table: TableRef, column: string): Promise<{ min: unknown; max: unknown } | null> {
  const columns = await tableColumns(ctx, table);
  if (!columns.length) throw notFound(table);
  const c = columns.find((x) => x.name === column);
  if (!c) throw new ConnectorError(TestCode.DRIVER_ERROR, `column ${column} does not exist in ${table.schema}.${table.name}`, false);
  const [row] = await ctx.query(keyBoundsSql(ctx.table(table), ctx.quoteIdent(column), c));
  const min = decodeValue(row?.min, c.type);
  const max = decodeValue(row?.max, c.type);
  return min === null && max === null ? null : { min, max };
}

/** MIN/MAX over the column itself (index use), each formatted like a read's select expression. */
export function keyBoundsSql(table: string, quoted: string, c: Db2Column): string {
  return `SELECT ${selectExpr(`MIN(${quoted})`, c)} AS "min", ${selectExpr(`MAX(${quoted})`, c)} AS "max" FROM ${table}`;
}

function notFound(table: TableRef): ConnectorError {
  return new ConnectorError(TestCode.DRIVER_ERROR, `table ${table.schema}.${table.name} does not exist (or is not visible to this user)`, false);
}

/** Rows of the table (or of a key range, as a read binds it), counted by the server. */
export async function countRows(ctx: Db2Context, table: TableRef, range?: KeyRange): Promise<number> {
  const bounded = boundedRange(range);
  const where: string[] = [];
  const params: Db2Param[] = [];
  if (bounded) {
    const columns = await tableColumns(ctx, table);
    if (!columns.length) throw notFound(table);
    const keyColumns = pickColumns(columns, bounded.key, table);
    const quoted = bounded.key.map(ctx.quoteIdent);
    const markers = keyColumns.map(markerExpr);
    for (const [values, op] of [[bounded.after, '>'], [bounded.until, '<=']] as const) {
      if (!values) continue;
      const encoded = values.map((v, i) => encodeParam(v, keyColumns[i]!.type, keyColumns[i]!.name));
      const cond = keysetCondition(quoted, markers, op);
      where.push(cond.sql);
      params.push(...cond.params.map((i) => encoded[i]!));
    }
  }
  const [row] = await ctx.query(`SELECT CAST(COUNT_BIG(*) AS VARCHAR(20)) AS "n" FROM ${ctx.table(table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`, params);
  return Number(String(row?.n).trim());
}
