import oracledb from 'oracledb';
import { boundedRange, ConnectorError, pickColumns, TestCode, type KeyRange, type ReadOptions, type RowBatch, type TableRef } from '@sluice/connector-sdk';
import { tableColumns } from './oracle-introspect';
import { bindPlan, decodeValue, familyOf, isLob, selectExpr, type TypedColumn } from './oracle-types';
import type { OracleContext } from './oracle-session';

/**
 * `(k1 > :n) OR (k1 = :n AND k2 > :n) OR …` — Oracle has no row-value
 * comparison. With `'<='` (a range's end), `(k1 < :n) OR (k1 = :n AND k2 <= :n)`.
 * `expr(i, placeholder)` wraps key i's placeholder (TO_NUMBER(…), …);
 * placeholders are numbered from `first`. Returns the SQL and, per
 * placeholder in order, the key index it binds.
 */
export function keysetCondition(
  quotedKey: string[],
  op: '>' | '<=' = '>',
  expr: (i: number, placeholder: string) => string = (_i, p) => p,
  first = 1,
): { sql: string; params: number[] } {
  const strict = op === '>' ? '>' : '<';
  const terms: string[] = [];
  const params: number[] = [];
  const next = (i: number) => (params.push(i), expr(i, `:${first + params.length - 1}`));
  for (let i = 0; i < quotedKey.length; i++) {
    const parts = quotedKey.slice(0, i).map((k, j) => `${k} = ${next(j)}`);
    parts.push(`${quotedKey[i]} ${i === quotedKey.length - 1 ? op : strict} ${next(i)}`);
    terms.push(parts.length > 1 ? `(${parts.join(' AND ')})` : parts[0]!);
  }
  return { sql: terms.length > 1 ? `(${terms.join(' OR ')})` : terms[0]!, params };
}

/** The SELECT list of a read: aliased expressions (C0, C1, …), then a not-NULL flag (N0, …) per LOB column, with each alias's fetch type. */
export function selectList(quote: (s: string) => string, columns: TypedColumn[]): { sql: string; fetchInfo: Record<string, { type: number | oracledb.DbType }>; lobAt: number[] } {
  const fetchInfo: Record<string, { type: number | oracledb.DbType }> = {};
  const parts: string[] = [];
  const lobAt: number[] = [];
  columns.forEach((c, i) => {
    const { sql, fetch } = selectExpr(quote(c.name), c);
    parts.push(`${sql} AS C${i}`);
    if (fetch) fetchInfo[`C${i}`] = { type: fetch === 'string' ? oracledb.STRING : oracledb.BUFFER };
    // The driver reads an empty LOB inline as null: the flag tells it from NULL.
    if (isLob(familyOf(c.nativeType))) lobAt.push(i);
  });
  for (const i of lobAt) parts.push(`CASE WHEN ${quote(columns[i]!.name)} IS NULL THEN 0 ELSE 1 END AS N${i}`);
  return { sql: parts.join(', '), fetchInfo, lobAt };
}

/** Decodes one fetched row (values, then LOB flags) into canonical values. */
export function decodeRow(raw: unknown[], columns: TypedColumn[], lobAt: number[]): unknown[] {
  const present = new Map(lobAt.map((i, j) => [i, raw[columns.length + j] === 1]));
  return columns.map((c, i) => decodeValue(raw[i], c, present.has(i) ? present.get(i)! : raw[i] !== null));
}

/** Batches in key order, one keyset page (`FETCH FIRST n ROWS ONLY`, 12c+) a query. */
export async function* readTable(ctx: OracleContext, table: TableRef, options: ReadOptions): AsyncGenerator<RowBatch> {
  const columns = await tableColumns(ctx, table);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const need = (name: string): TypedColumn => {
    const column = byName.get(name);
    if (!column) throw new ConnectorError(TestCode.DRIVER_ERROR, `column ${name} does not exist in ${table.schema}.${table.name}`, false);
    return column;
  };
  if (!options.key?.length) throw new ConnectorError(TestCode.DRIVER_ERROR, 'read needs a key (the columns it is ordered by and resumed on)', false);
  const wanted = options.columns ?? columns.map((c) => c.name);
  const selected = [...wanted, ...options.key.filter((k) => !wanted.includes(k))].map(need);
  const keyCols = options.key.map(need);
  const keyAt = options.key.map((k) => selected.findIndex((c) => c.name === k));
  for (const [name, cursor] of [['after', options.after], ['until', options.until]] as const) {
    if (cursor && cursor.length !== options.key.length) {
      throw new ConnectorError(TestCode.DRIVER_ERROR, `${name} has ${cursor.length} values for key (${options.key.join(', ')})`, false);
    }
  }
  const q = ctx.quoteIdent;
  const plans = keyCols.map((c) => bindPlan(c, 'predicate'));
  const wrap = (i: number, p: string) => plans[i]!.wrap(p);
  const encode = (values: unknown[]) => values.map((v, i) => plans[i]!.encode(v));
  const sinceCol = options.since ? need(options.since.column) : null;
  const sincePlan = sinceCol ? bindPlan(sinceCol, 'predicate') : null;
  const { sql: list, fetchInfo, lobAt } = selectList(q, selected);
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 10_000));
  const base = `SELECT ${list} FROM ${ctx.table(table)}`;
  const order = ` ORDER BY ${options.key.map(q).join(', ')} FETCH FIRST ${batchSize} ROWS ONLY`;
  const encodedUntil = options.until ? encode(options.until) : null;

  let after = options.after ?? null;
  for (;;) {
    if (options.signal?.aborted) return;
    const where: string[] = [];
    const binds: unknown[] = [];
    if (sinceCol && sincePlan) {
      where.push(`${q(sinceCol.name)} > ${sincePlan.wrap(`:${binds.length + 1}`)}`);
      binds.push(sincePlan.encode(options.since!.value));
    }
    if (after) {
      const encoded = encode(after);
      const cond = keysetCondition(options.key.map(q), '>', wrap, binds.length + 1);
      where.push(cond.sql);
      binds.push(...cond.params.map((i) => encoded[i]));
    }
    if (encodedUntil) {
      const cond = keysetCondition(options.key.map(q), '<=', wrap, binds.length + 1);
      where.push(cond.sql);
      binds.push(...cond.params.map((i) => encodedUntil[i]));
    }
    const sql = base + (where.length ? ` WHERE ${where.join(' AND ')}` : '') + order;
    const raw = await ctx.withConnection(async (c) => {
      const result = await c.execute<unknown[]>(sql, binds as oracledb.BindParameters, {
        outFormat: oracledb.OUT_FORMAT_ARRAY,
        fetchInfo,
        // One round trip a page (the defaults, 100 rows and 2 prefetched, make scans slow).
        fetchArraySize: Math.min(batchSize, 10_000),
        prefetchRows: Math.min(batchSize, 10_000) + 1,
      });
      return result.rows ?? [];
    }, options.signal);
    if (!raw.length) return;
    const rows = raw.map((r) => decodeRow(r, selected, lobAt));
    const lastRow = rows[rows.length - 1]!;
    const last = keyAt.map((i) => lastRow[i]);
    yield { rows: selected.length > wanted.length ? rows.map((r) => r.slice(0, wanted.length)) : rows, last };
    if (raw.length < batchSize) return;
    after = last;
  }
}

/** `SELECT MIN(c), MAX(c)`, decoded by the column's type exactly as a read decodes it. */
export async function readKeyBounds(ctx: OracleContext, table: TableRef, column: string): Promise<{ min: unknown; max: unknown } | null> {
  const columns = await tableColumns(ctx, table);
  const col = columns.find((c) => c.name === column);
  if (!col) throw new ConnectorError(TestCode.DRIVER_ERROR, `column ${column} does not exist in ${table.schema}.${table.name}`, false);
  const q = ctx.quoteIdent(column);
  const { sql, fetch } = selectExpr(q, col);
  const minMax = (fn: string) => sql.replace(q, `${fn}(${q})`);
  const fetchInfo = fetch ? { MN: { type: fetch === 'string' ? oracledb.STRING : oracledb.BUFFER }, MX: { type: fetch === 'string' ? oracledb.STRING : oracledb.BUFFER } } : undefined;
  const [row] = await ctx.withConnection(async (c) =>
    (await c.execute<unknown[]>(`SELECT ${minMax('MIN')} AS MN, ${minMax('MAX')} AS MX FROM ${ctx.table(table)}`, [], {
      outFormat: oracledb.OUT_FORMAT_ARRAY,
      ...(fetchInfo ? { fetchInfo } : {}),
    })).rows ?? []);
  const [min, max] = (row ?? [null, null]).map((v) => decodeValue(v, col));
  return (min ?? null) === null && (max ?? null) === null ? null : { min, max };
}

/** Rows of the table (or of a key range, as a read binds it), counted by the server. */
export async function countRows(ctx: OracleContext, table: TableRef, range?: KeyRange): Promise<number> {
  const bounded = boundedRange(range);
  const where: string[] = [];
  const binds: unknown[] = [];
  if (bounded) {
    const columns = await tableColumns(ctx, table);
    const keyCols = pickColumns(columns, bounded.key, table);
    const plans = keyCols.map((c) => bindPlan(c, 'predicate'));
    const wrap = (i: number, p: string) => plans[i]!.wrap(p);
    for (const [values, op] of [[bounded.after, '>'], [bounded.until, '<=']] as const) {
      if (!values) continue;
      const encoded = values.map((v, i) => plans[i]!.encode(v));
      const cond = keysetCondition(bounded.key.map(ctx.quoteIdent), op, wrap, binds.length + 1);
      where.push(cond.sql);
      binds.push(...cond.params.map((i) => encoded[i]));
    }
  }
  const [row] = await ctx.query(`SELECT COUNT(*) AS "n" FROM ${ctx.table(table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`, binds as oracledb.BindParameters);
  return Number(row?.n);
}
