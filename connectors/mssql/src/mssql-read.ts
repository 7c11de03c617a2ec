import { boundedRange, ConnectorError, pickColumns, TestCode, type KeyRange, type ReadOptions, type RowBatch, type TableRef } from '@sluice/connector-sdk';
import { mssqlDriver } from './mssql-driver';
import { tableColumns } from './mssql-introspect';
import { decodeValue, encodeValue, selectExpr, wireType, type MssqlColumn } from './mssql-types';
import type { MssqlContext, Param } from './mssql-session';

/**
 * `(k1 > @a0) OR (k1 = @a0 AND k2 > @a1) OR …`: SQL Server has no row-value
 * comparison, so the keyset condition is expanded (a seek on the key's
 * index either way). With `'<='` (a range's end): `(k1 < @u0) OR (k1 = @u0
 * AND k2 <= @u1)`. Each key value is one parameter, named `prefix` + index.
 */
export function keysetCondition(quotedKey: string[], prefix: string, op: '>' | '<=' = '>'): string {
  const strict = op === '>' ? '>' : '<';
  const terms: string[] = [];
  for (let i = 0; i < quotedKey.length; i++) {
    const parts = quotedKey.slice(0, i).map((k, j) => `${k} = @${prefix}${j}`);
    parts.push(`${quotedKey[i]} ${i === quotedKey.length - 1 ? op : strict} @${prefix}${i}`);
    terms.push(parts.length > 1 ? `(${parts.join(' AND ')})` : parts[0]!);
  }
  return terms.length > 1 ? `(${terms.join(' OR ')})` : terms[0]!;
}

/** One keyset page: `SELECT TOP (@top) … WHERE since AND after AND until ORDER BY key`. */
export function pageSql(o: { table: string; select: string[]; key: string[]; since?: string | null; after: boolean; until: boolean }): string {
  const where: string[] = [];
  if (o.since) where.push(`${o.since} > @since`);
  if (o.after) where.push(keysetCondition(o.key, 'a'));
  if (o.until) where.push(keysetCondition(o.key, 'u', '<='));
  return `SELECT TOP (@top) ${o.select.join(', ')} FROM ${o.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${o.key.join(', ')}`;
}

/** A value as a parameter of the column's own wire type (a varchar key compared with an nvarchar parameter would scan). */
export function columnParam(name: string, column: MssqlColumn, value: unknown): Param {
  return { name, type: wireType(column).spec, value: encodeValue(value, column) };
}

/**
 * Batches in key order, one keyset page a query, rows as arrays
 * (arrayRowMode): each page is one bounded result, so memory stays constant
 * and a page abandoned midway leaves no cursor open on the server.
 */
export async function* readTable(ctx: MssqlContext, table: TableRef, options: ReadOptions): AsyncGenerator<RowBatch> {
  const columns = await tableColumns(ctx, table);
  if (!columns.length) throw notFound(table);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const need = (name: string): MssqlColumn => {
    const c = byName.get(name);
    if (!c) throw new ConnectorError(TestCode.DRIVER_ERROR, `column ${name} does not exist in ${table.schema}.${table.name}`, false);
    return c;
  };
  if (!options.key?.length) throw new ConnectorError(TestCode.DRIVER_ERROR, 'read needs a key (the columns it is ordered by and resumed on)', false);
  for (const [name, cursor] of [['after', options.after], ['until', options.until]] as const) {
    if (cursor && cursor.length !== options.key.length) {
      throw new ConnectorError(TestCode.DRIVER_ERROR, `${name} has ${cursor.length} values for key (${options.key.join(', ')})`, false);
    }
  }
  const wanted = options.columns ?? columns.map((c) => c.name);
  const selected = [...wanted, ...options.key.filter((k) => !wanted.includes(k))].map(need);
  const keyColumns = options.key.map(need);
  const keyAt = options.key.map((k) => selected.findIndex((c) => c.name === k));
  const q = ctx.quoteIdent;
  const sinceColumn = options.since ? need(options.since.column) : null;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 10_000));
  const sql = (after: boolean) =>
    pageSql({
      table: ctx.table(table),
      select: selected.map((c) => selectExpr(q(c.name), c)),
      key: keyColumns.map((c) => q(c.name)),
      since: sinceColumn ? q(sinceColumn.name) : null,
      after,
      until: Boolean(options.until),
    });
  const fixed: Param[] = [{ name: 'top', type: mssqlDriver().TYPES.Int(), value: batchSize }];
  if (sinceColumn) fixed.push(columnParam('since', sinceColumn, options.since!.value));
  if (options.until) fixed.push(...keyColumns.map((c, i) => columnParam(`u${i}`, c, options.until![i])));

  let after = options.after ?? null;
  for (;;) {
    if (options.signal?.aborted) return;
    const params = after ? [...fixed, ...keyColumns.map((c, i) => columnParam(`a${i}`, c, after![i]))] : fixed;
    const raw = (await ctx.query(sql(Boolean(after)), params, { arrayRowMode: true, signal: options.signal })) as unknown[][];
    if (!raw.length) return;
    const rows = raw.map((r) => r.map((v, i) => decodeValue(v, selected[i]!)));
    const lastRow = rows[rows.length - 1]!;
    const last = keyAt.map((i) => lastRow[i]);
    yield { rows: selected.length > wanted.length ? rows.map((r) => r.slice(0, wanted.length)) : rows, last };
    if (raw.length < batchSize) return;
    after = last;
  }
}

/** `SELECT MIN(c), MAX(c)`, decoded by the column's type exactly as a read decodes it. */
export async function readKeyBounds(ctx: MssqlContext, table: TableRef, column: string): Promise<{ min: unknown; max: unknown } | null> {
  const columns = await tableColumns(ctx, table);
  if (!columns.length) throw notFound(table);
  const c = columns.find((x) => x.name === column);
  if (!c) throw new ConnectorError(TestCode.DRIVER_ERROR, `column ${column} does not exist in ${table.schema}.${table.name}`, false);
  const expr = (agg: string) => selectExpr(`${agg}(${ctx.quoteIdent(column)})`, c);
  const [row] = (await ctx.query(`SELECT ${expr('MIN')}, ${expr('MAX')} FROM ${ctx.table(table)}`, [], { arrayRowMode: true })) as unknown[][];
  const [min, max] = (row ?? []).map((v) => decodeValue(v, c));
  return (min ?? null) === null && (max ?? null) === null ? null : { min, max };
}

export function notFound(table: TableRef): ConnectorError {
  return new ConnectorError(TestCode.DRIVER_ERROR, `table ${table.schema}.${table.name} does not exist (or is not visible to this user)`, false);
}

/** Rows of the table (or of a key range, as a read binds it), counted by the server. */
export async function countRows(ctx: MssqlContext, table: TableRef, range?: KeyRange): Promise<number> {
  const bounded = boundedRange(range);
  const where: string[] = [];
  const params: Param[] = [];
  if (bounded) {
    const columns = await tableColumns(ctx, table);
    if (!columns.length) throw notFound(table);
    const keyColumns = pickColumns(columns, bounded.key, table);
    const quoted = keyColumns.map((c) => ctx.quoteIdent(c.name));
    for (const [values, prefix, op] of [[bounded.after, 'a', '>'], [bounded.until, 'u', '<=']] as const) {
      if (!values) continue;
      where.push(keysetCondition(quoted, prefix, op));
      params.push(...keyColumns.map((c, i) => columnParam(`${prefix}${i}`, c, values[i])));
    }
  }
  const [row] = await ctx.query(`SELECT COUNT_BIG(*) AS n FROM ${ctx.table(table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`, params);
  return Number(row?.n);
}
