import { approximateRowBytes, boundedRange, ConnectorError, grownBatchSize, rowsInParts, TestCode, type KeyRange, type ReadOptions, type RowBatch, type TableRef } from '@sluice/connector-sdk';
import { Query, type PoolClient, type QueryArrayConfig } from 'pg';
import type { PgContext } from './postgres-session';
import { toParam } from './postgres-types';

const DEFAULT_BATCH = 10_000;

/**
 * Keyset pagination: `WHERE (k1, k2) > ($1, $2) ORDER BY k1, k2 LIMIT n`,
 * with `until` also `AND (k1, k2) <= ($3, $4)` (one key range of the table).
 * Each page takes a pooled connection and gives it back, so a consumer that
 * stops iterating holds nothing; an abort cancels the page in flight.
 */
export async function* readTable(ctx: PgContext, table: TableRef, options: ReadOptions): AsyncGenerator<RowBatch> {
  const { key, signal } = options;
  if (!key?.length) {
    throw new ConnectorError(TestCode.DRIVER_ERROR, `Reading ${table.schema}.${table.name} needs a key to order and resume by`, false);
  }
  if (options.after && options.after.length !== key.length) {
    throw new ConnectorError(TestCode.DRIVER_ERROR, `Resume cursor has ${options.after.length} values for key (${key.join(', ')})`, false);
  }
  if (options.until && options.until.length !== key.length) {
    throw new ConnectorError(TestCode.DRIVER_ERROR, `Range end has ${options.until.length} values for key (${key.join(', ')})`, false);
  }
  const rowsAsked = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  // Under batchBytes a page's bytes, not its rows, are what its consumer holds: the first page is small
  // (rows of unknown width), the next ones sized from it, wide rows below batchSize (SDK grownBatchSize).
  const fewest = options.batchBytes ? Math.ceil(rowsAsked / 10) : rowsAsked;
  let batchSize = fewest;
  const columns = options.columns?.length ? options.columns : await allColumns(ctx, table);
  // Key columns not among the read's columns are selected after them, to carry `last`.
  const selected = [...columns, ...key.filter((k) => !columns.includes(k))];
  const keyAt = key.map((k) => selected.indexOf(k));
  const q = (n: string) => ctx.quoteIdent(n);
  const keyList = key.map(q).join(', ');
  const head = `SELECT ${selected.map(q).join(', ')} FROM ${ctx.qualified(table)}`;

  const until = options.until ?? null;
  let after = options.after ?? null;
  for (;;) {
    // An aborted read throws (like fetch): stopping quietly would look like the end of the table.
    signal?.throwIfAborted();
    const params: unknown[] = [];
    const where = keyRange(keyList, after, until, params);
    if (options.since) {
      params.push(toParam(options.since.value));
      where.push(`${q(options.since.column)} > $${params.length}`);
    }
    const sql = `${head}${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY ${keyList} LIMIT ${batchSize}`;
    const batch = (rows: unknown[][], more: boolean): RowBatch => {
      const last = rows[rows.length - 1]!;
      return { rows: selected.length === columns.length ? rows : rows.map((r) => r.slice(0, columns.length)), last: keyAt.map((i) => last[i]), ...(more ? { more } : {}) };
    };
    let count = 0;
    let lastRow: unknown[];
    if (options.partBytes) {
      // The page in parts as its rows arrive, each yielded once the next one is full (the page's last: after the result ends).
      let held: unknown[][] | null = null;
      for await (const part of streamRows(ctx, sql, params, options.partBytes, signal)) {
        if (held) yield batch(held, true);
        held = part;
        count += part.length;
      }
      signal?.throwIfAborted();
      if (!held) return;
      yield batch(held, false);
      lastRow = held[held.length - 1]!;
    } else {
      const rows = await ctx
        .withClient((client) =>
          cancellable(ctx, client, signal, () => client.query<unknown[]>({ text: sql, values: params, rowMode: 'array' }).then((r) => r.rows)),
        )
        .catch((err) => {
          signal?.throwIfAborted(); // the cancelled statement's error is the abort
          throw err;
        });
      if (!rows.length) return;
      yield batch(rows, false);
      count = rows.length;
      lastRow = rows[rows.length - 1]!;
    }
    if (count < batchSize) return;
    after = keyAt.map((i) => lastRow[i]);
    // Pages of about batchBytes, judged by its last row: narrow rows in fewer, larger pages, wide rows in smaller ones.
    if (options.batchBytes) batchSize = grownBatchSize(rowsAsked, options.batchBytes, approximateRowBytes(lastRow), fewest);
  }
}

/**
 * The rows of one query in parts of about `partBytes` (SDK `rowsInParts`):
 * node-postgres hands each row to a `row` listener without gathering them.
 * Not paused: at most one page is in flight. A consumer that stops early
 * cancels the statement, so the client goes back to the pool idle.
 */
function streamRows(ctx: PgContext, sql: string, values: unknown[], partBytes: number, signal: AbortSignal | undefined): AsyncGenerator<unknown[][]> {
  return rowsInParts(
    (sink, stop) =>
      ctx.withClient((client) =>
        cancellable(ctx, client, stop, () => new Promise<void>((resolve, reject) => {
          client
            // QueryArrayConfig: the typings' Query constructor takes only QueryConfig, the driver reads rowMode.
            .query(new Query({ text: sql, values, rowMode: 'array' } as QueryArrayConfig))
            .on('row', (row: unknown[]) => sink.row(row))
            .on('error', reject)
            .on('end', () => resolve());
        })),
      ),
    partBytes,
    signal,
  );
}

/** `(k…) > (after…)` and `(k…) <= (until…)` as row-value comparisons, their values bound as `params`. */
function keyRange(keyList: string, after: unknown[] | null, until: unknown[] | null, params: unknown[]): string[] {
  const where: string[] = [];
  for (const [values, op] of [[after, '>'], [until, '<=']] as const) {
    if (!values) continue;
    const first = params.length + 1;
    params.push(...values.map((v) => toParam(v)));
    where.push(`(${keyList}) ${op} (${values.map((_, i) => `$${first + i}`).join(', ')})`);
  }
  return where;
}

/** `SELECT count(*)`, of the whole table or of the key range `after < (k…) <= until` (a read's range). */
export async function countRows(
  ctx: PgContext,
  table: TableRef,
  whole?: KeyRange,
): Promise<number> {
  const params: unknown[] = [];
  let where: string[] = [];
  const range = boundedRange(whole);
  if (range) {
    where = keyRange(range.key.map((k) => ctx.quoteIdent(k)).join(', '), range.after, range.until, params);
  }
  const sql = `SELECT count(*)::int8::text AS n FROM ${ctx.qualified(table)}${where.length ? ' WHERE ' + where.join(' AND ') : ''}`;
  const { rows } = await ctx.withClient((client) => client.query<{ n: string }>(sql, params));
  return Number(rows[0]!.n);
}

/** `SELECT MIN(c), MAX(c)`, decoded by the session's type parsers like a read's values. */
export async function readKeyBounds(ctx: PgContext, table: TableRef, column: string): Promise<{ min: unknown; max: unknown } | null> {
  const c = ctx.quoteIdent(column);
  const { rows } = await ctx.withClient((client) =>
    client.query<unknown[]>({ text: `SELECT MIN(${c}), MAX(${c}) FROM ${ctx.qualified(table)}`, rowMode: 'array' }),
  );
  const [min = null, max = null] = rows[0] ?? [];
  return min === null && max === null ? null : { min, max };
}

/** Heap and TOAST bytes of the table (`pg_table_size`: file sizes, no scan); null when it does not exist. */
export async function readTableBytes(ctx: PgContext, table: TableRef): Promise<number | null> {
  const { rows } = await ctx.withClient((client) =>
    client.query<{ bytes: string | null }>(`SELECT pg_table_size(to_regclass($1))::text AS bytes`, [ctx.qualified(table)]),
  );
  const bytes = rows[0]?.bytes;
  return bytes === null || bytes === undefined ? null : Number(bytes);
}

async function allColumns(ctx: PgContext, table: TableRef): Promise<string[]> {
  const { rows } = await ctx.withClient((c) =>
    c.query<{ name: string }>(
      `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [ctx.qualified(table)],
    ),
  );
  if (!rows.length) throw new ConnectorError(TestCode.DRIVER_ERROR, `Table ${table.schema}.${table.name} has no columns`, false);
  return rows.map((r) => r.name);
}

/** Runs `query`; an abort meanwhile asks the server to cancel it. */
async function cancellable<T>(ctx: PgContext, client: PoolClient, signal: AbortSignal | undefined, query: () => Promise<T>): Promise<T> {
  if (!signal) return query();
  const cancel = () => ctx.cancelQuery(client);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    return await query();
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

/**
 * An order-independent checksum of `columns`, computed by the server: each row's columns as one
 * row value's text (`ROW(a, b)::text` quotes each field, so NULL `()` differs from '' `("")` and
 * values cannot run together), MD5'd, its first 60 bits as an integer, summed as numeric (exact).
 * Equal between two tables of the same server version whose columns have the same types.
 */
export async function checksumTable(ctx: PgContext, table: TableRef, columns: string[]): Promise<{ rows: number; checksum: string }> {
  const row = columns.length ? `ROW(${columns.map((c) => ctx.quoteIdent(c)).join(', ')})::text` : `''`;
  const sql = `SELECT count(*)::int8::text AS n,
      coalesce(sum(('x' || substr(md5(${row}), 1, 15))::bit(60)::int8::numeric), 0)::text AS sum
    FROM ${ctx.qualified(table)}`;
  const { rows } = await ctx.withClient((client) => client.query<{ n: string; sum: string }>(sql));
  return { rows: Number(rows[0]!.n), checksum: rows[0]!.sum };
}
