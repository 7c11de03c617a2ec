import { approximateRowBytes, ConnectorError, grownBatchSize, TestCode, type CanonicalType, type ReadOptions, type RowBatch, type TableRef } from '@sluice/connector-sdk';
import { tableColumns } from './mysql-introspect';
import { atLeast, decodeValue, encodeParam, isSpatial, type MysqlFlavour } from './mysql-types';
import type { MysqlContext } from './mysql-session';
import { streamRows } from './mysql-stream';

/**
 * `(k1 > ?) OR (k1 = ? AND k2 > ?) OR …`: MariaDB's optimizer does not use
 * an index for a row-constructor comparison `(k1, k2) > (?, ?)`; the expanded
 * form is a range scan on both engines. With `'<='` (a range's end),
 * `(k1 < ?) OR (k1 = ? AND k2 <= ?)`. Returns the SQL and the parameter
 * order as indexes into the key.
 */
export function keysetCondition(quotedKey: string[], op: '>' | '<=' = '>'): { sql: string; params: number[] } {
  const strict = op === '>' ? '>' : '<';
  const terms: string[] = [];
  const params: number[] = [];
  for (let i = 0; i < quotedKey.length; i++) {
    const parts = quotedKey.slice(0, i).map((k, j) => (params.push(j), `${k} = ?`));
    parts.push(`${quotedKey[i]} ${i === quotedKey.length - 1 ? op : strict} ?`);
    params.push(i);
    terms.push(parts.length > 1 ? `(${parts.join(' AND ')})` : parts[0]!);
  }
  return { sql: terms.length > 1 ? `(${terms.join(' OR ')})` : terms[0]!, params };
}

/**
 * The select expression of a column. FLOAT prints with 6 significant digits
 * in the text protocol (3.40282e38): read it as DOUBLE, which is exact. A
 * spatial column is read as its stored bytes (SRID + WKB: mysql-types isSpatial).
 */
export function selectExpr(flavour: MysqlFlavour, quoted: string, type: CanonicalType, nativeType = ''): string {
  if (isSpatial(nativeType)) return `CAST(${quoted} AS BINARY)`;
  if (type.kind !== 'float32') return quoted;
  return flavour.mariadb || atLeast(flavour, 8, 0, 17) ? `CAST(${quoted} AS DOUBLE)` : `(${quoted} + 0e0)`;
}

const DATE_KINDS = new Set(['date', 'timestamp', 'timestamptz']);
/** '0000-00-00', a zero month or day ('2024-00-10', '2024-01-00 10:00:00'): dates only MySQL/MariaDB store. */
const ZERO_DATE = /^\d{4}-(00-\d{2}|\d{2}-00)/;

function zeroDate(table: TableRef, column: string, value: string, key: string[], keyValues: unknown[]): ConnectorError {
  return new ConnectorError(
    TestCode.DRIVER_ERROR,
    `column ${column} of ${table.schema}.${table.name} holds the zero date '${value}' in the row with key (${key.join(', ')}) = (${keyValues.map(String).join(', ')}), ` +
      `which no engine but MySQL/MariaDB stores: copy zero dates as NULL with --zero-dates null (API: zeroDates: 'null'), or correct the source rows`,
    false,
  );
}

/**
 * Batches in key order, one keyset page a query; with `partBytes`, each page
 * in parts as its rows arrive (the connection pauses only while a consumer
 * lags by two parts, far inside the server's net_write_timeout).
 */
export async function* readTable(ctx: MysqlContext, table: TableRef, options: ReadOptions): AsyncGenerator<RowBatch> {
  const columns = await tableColumns(ctx, table);
  if (!columns.length) throw notFound(table);
  const typeOf = new Map(columns.map((c) => [c.name, c.type]));
  const nativeOf = new Map(columns.map((c) => [c.name, c.nativeType]));
  const need = (name: string): CanonicalType => {
    const type = typeOf.get(name);
    if (!type) throw new ConnectorError(TestCode.DRIVER_ERROR, `column ${name} does not exist in ${table.schema}.${table.name}`, false);
    return type;
  };
  const wanted = options.columns ?? columns.map((c) => c.name);
  if (!options.key?.length) throw new ConnectorError(TestCode.DRIVER_ERROR, 'read needs a key (the columns it is ordered by and resumed on)', false);
  const selected = [...wanted, ...options.key.filter((k) => !wanted.includes(k))];
  const types = selected.map(need);
  const keyAt = options.key.map((k) => selected.indexOf(k));
  const keyTypes = options.key.map(need);
  const q = ctx.quoteIdent;
  for (const [name, cursor] of [['after', options.after], ['until', options.until]] as const) {
    if (cursor && cursor.length !== options.key.length) {
      throw new ConnectorError(TestCode.DRIVER_ERROR, `${name} has ${cursor.length} values for key (${options.key.join(', ')})`, false);
    }
  }
  const keyset = keysetCondition(options.key.map(q));
  const encodeKey = (values: unknown[]) => values.map((v, i) => encodeParam(v, keyTypes[i]!, options.key[i]!));
  // The range's end is fixed: encoded once, ANDed with every page's condition.
  let until: { sql: string; values: unknown[] } | null = null;
  if (options.until) {
    const end = keysetCondition(options.key.map(q), '<=');
    const encoded = encodeKey(options.until);
    until = { sql: end.sql, values: end.params.map((i) => encoded[i]) };
  }
  const since = options.since ? { sql: `${q(options.since.column)} > ?`, value: encodeParam(options.since.value, need(options.since.column), options.since.column) } : null;
  const rows = Math.max(1, Math.floor(options.batchSize ?? 10_000));
  // Under batchBytes a page's bytes, not its rows, are what its consumer holds: the first page is small
  // (rows of unknown width), the next ones sized from it, wide rows below batchSize (SDK grownBatchSize).
  const fewest = options.batchBytes ? Math.ceil(rows / 10) : rows;
  let batchSize = fewest;
  const base = `SELECT ${selected.map((c, i) => selectExpr(ctx.flavour, q(c), types[i]!, nativeOf.get(c))).join(', ')} FROM ${ctx.table(table)}`;
  const order = () => ` ORDER BY ${options.key.map(q).join(', ')} LIMIT ${batchSize}`;

  // Decoded in place: the driver's arrays are ours (a new array a row was garbage for the collector).
  const dated = types.flatMap((t, i) => (DATE_KINDS.has(t.kind) ? [i] : []));
  const zeroDates = options.zeroDates ?? 'keep';
  const decodeRow = (r: unknown[]): void => {
    if (zeroDates !== 'keep') {
      for (const i of dated) {
        if (typeof r[i] !== 'string' || !ZERO_DATE.test(r[i] as string)) continue;
        if (zeroDates === 'null') r[i] = null;
        else throw zeroDate(table, selected[i]!, r[i] as string, options.key, keyAt.map((k) => r[k]));
      }
    }
    for (let i = 0; i < r.length; i++) r[i] = decodeValue(r[i], types[i]!);
  };

  let after = options.after ?? null;
  for (;;) {
    if (options.signal?.aborted) return;
    const where: string[] = [];
    const params: unknown[] = [];
    if (since) where.push(since.sql), params.push(since.value);
    if (after) {
      const encoded = encodeKey(after);
      where.push(keyset.sql);
      params.push(...keyset.params.map((i) => encoded[i]));
    }
    if (until) where.push(until.sql), params.push(...until.values);
    const sql = base + (where.length ? ` WHERE ${where.join(' AND ')}` : '') + order();
    const batch = (rows: unknown[][], more: boolean): RowBatch => {
      const lastRow = rows[rows.length - 1]!;
      return { rows: selected.length > wanted.length ? rows.map((r) => r.slice(0, wanted.length)) : rows, last: keyAt.map((i) => lastRow[i]), ...(more ? { more } : {}) };
    };
    let lastRow: unknown[];
    let count = 0;
    if (options.partBytes) {
      // The page in parts as it streams, each yielded once the next one is full (the page's last: after the result ends).
      let held: unknown[][] | null = null;
      for await (const part of streamRows(ctx, sql, params, options.partBytes, decodeRow, options.signal)) {
        if (held) yield batch(held, true);
        held = part;
        count += part.length;
      }
      if (!held || options.signal?.aborted) return;
      yield batch(held, false);
      lastRow = held[held.length - 1]!;
    } else {
      const raw = await ctx.withConnection(async (c) => (await c.query({ sql, rowsAsArray: true }, params))[0] as unknown[][], options.signal);
      if (!raw.length) return;
      for (const r of raw) decodeRow(r);
      yield batch(raw, false);
      count = raw.length;
      lastRow = raw[raw.length - 1]!;
    }
    if (count < batchSize) return;
    after = keyAt.map((i) => lastRow[i]);
    // Pages of about batchBytes, judged by its last row: narrow rows in fewer, larger pages, wide rows in smaller ones.
    if (options.batchBytes) batchSize = grownBatchSize(rows, options.batchBytes, approximateRowBytes(lastRow), fewest);
  }
}

/** `SELECT MIN(c), MAX(c)`, decoded by the column's type exactly as a read decodes it. */
export async function readKeyBounds(ctx: MysqlContext, table: TableRef, column: string): Promise<{ min: unknown; max: unknown } | null> {
  const columns = await tableColumns(ctx, table);
  if (!columns.length) throw notFound(table);
  const found = columns.find((c) => c.name === column);
  const type = found?.type;
  if (!type) throw new ConnectorError(TestCode.DRIVER_ERROR, `column ${column} does not exist in ${table.schema}.${table.name}`, false);
  const expr = selectExpr(ctx.flavour, ctx.quoteIdent(column), type, found!.nativeType);
  const sql = `SELECT MIN(${expr}), MAX(${expr}) FROM ${ctx.table(table)}`;
  const [row] = await ctx.withConnection(async (c) => (await c.query({ sql, rowsAsArray: true }))[0] as unknown[][]);
  const [min, max] = (row ?? []).map((v) => decodeValue(v, type));
  return (min ?? null) === null && (max ?? null) === null ? null : { min, max };
}

/** The table's data bytes as InnoDB's statistics keep them (`information_schema.TABLES.DATA_LENGTH`); null when unknown. */
export async function readTableBytes(ctx: MysqlContext, table: TableRef): Promise<number | null> {
  const sql = 'SELECT DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?';
  const [row] = await ctx.withConnection(async (c) => (await c.query({ sql, rowsAsArray: true }, [table.schema, table.name]))[0] as unknown[][]);
  const bytes = row?.[0];
  return bytes === null || bytes === undefined ? null : Number(bytes);
}

function notFound(table: TableRef): ConnectorError {
  return new ConnectorError(TestCode.DRIVER_ERROR, `table ${table.schema}.${table.name} does not exist (or is not visible to this user)`, false);
}
