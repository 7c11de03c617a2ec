import type { PoolClient } from 'pg';
import { BufferPool, ConnectorError, grownBatchSize, TestCode, type CopyFormat, type CopyReadOptions, type CopyTextBatch, type TableRef } from '@sluice/connector-sdk';
import { CopyOutToPage } from './postgres-copy-out';
import type { PgContext } from './postgres-session';
import { canonicalTypeParsers, toParam } from './postgres-types';

/*
 * Same-engine fast path of a read: each keyset page as COPY text (or COPY
 * binary), never decoded into JS values, for a PostgreSQL writer's
 * `writeCopyText`. Both sessions run with the same settings (DateStyle ISO,
 * TimeZone UTC, extra_float_digits, bytea hex: see SESSION_SETTINGS), so the
 * text means the same values on both sides. Binary, when the caller vouches
 * that the destination is the same server version with the same native column
 * types, skips the text output and input functions on both servers (the
 * destination's COPY is what limits the copy: ~1.45× the rows/s of text on the
 * bench's wide table); only for built-in types, whose binary form holds no
 * database-local OIDs. Only the key of a page's last row is decoded, to resume
 * from. Pages are read into buffers the consumer hands back (`release`) once
 * written, so a long copy reuses a few instead of leaving one per page to the GC.
 */

const DEFAULT_BATCH = 10_000;
/** First page buffer of a read; later ones are sized from the last page (pages of a read are alike). */
const FIRST_PAGE_BYTES = 1 << 20;
/** Room over the last page's size, so that a page a little larger than the one before fits without a copy. */
const PAGE_HEADROOM = 1.25;
/** Page buffers kept for the process's reads (a lane holds a page being written and one read ahead; up to 4 lanes). */
const PAGE_BUFFERS = new BufferPool(8);
/**
 * Page buffers come in whole MiB, so that one lane's spare fits another's
 * next page: sized to the byte, pages of 2.3, 2.5 and 2.6 MiB could not use
 * each other's buffers, and a 10M-row run made 20 of them where ~10 are held at once.
 */
const pageBufferBytes = (bytes: number) => Math.ceil(bytes / FIRST_PAGE_BYTES) * FIRST_PAGE_BYTES;
const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;

const fail = (message: string) => new ConnectorError(TestCode.DRIVER_ERROR, message, false);

interface ColumnType {
  oid: number;
  /** `atttypid::regtype` (no typmod: a cast to varchar(n) could truncate a bound). */
  regtype: string;
}

export async function* readCopyText(ctx: PgContext, table: TableRef, options: CopyReadOptions): AsyncGenerator<CopyTextBatch> {
  const { key, columns, signal } = options;
  const where = `${table.schema}.${table.name}`;
  if (!key?.length) throw fail(`Reading ${where} needs a key to order and resume by`);
  if (!columns.length) throw fail(`Reading ${where} as COPY text needs its columns`);
  const keyAt = key.map((k) => columns.indexOf(k));
  if (keyAt.some((i) => i < 0)) throw fail(`Reading ${where} as COPY text needs the key (${key.join(', ')}) among the columns`);
  if (options.after && options.after.length !== key.length) {
    throw fail(`Resume cursor has ${options.after.length} values for key (${key.join(', ')})`);
  }
  if (options.until && options.until.length !== key.length) {
    throw fail(`Range end has ${options.until.length} values for key (${key.join(', ')})`);
  }
  const rows = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  // Under batchBytes a page's bytes, not its rows, are what it holds: the first page is small (rows of
  // unknown width), the next ones sized from it, wide rows below batchSize.
  const fewest = options.batchBytes ? Math.ceil(rows / 10) : rows;
  let batchSize = fewest;
  const since = options.since ?? null;
  const types = await columnTypes(ctx, table, [...new Set([...columns, ...key, ...(since ? [since.column] : [])])]);
  const keyTypes = key.map((k) => types.get(k)!);
  const keyDecoders = keyTypes.map((t) => BINARY_KEY_DECODERS[t.oid]);
  const format: CopyFormat =
    options.binary && columns.every((c) => types.get(c)!.oid < FIRST_NORMAL_OID) && keyDecoders.every(Boolean) ? 'binary' : 'text';
  const q = (n: string) => ctx.quoteIdent(n);
  const keyList = key.map(q).join(', ');
  const head = `SELECT ${columns.map(q).join(', ')} FROM ${ctx.qualified(table)}`;
  // COPY takes no bind parameters: bounds are literals cast to the column's type.
  const literal = (client: PoolClient, value: unknown, type: ColumnType) => {
    if (value === null || value === undefined) return 'NULL';
    const param = toParam(value);
    const text = Buffer.isBuffer(param) ? '\\x' + param.toString('hex') : String(param);
    return `${client.escapeLiteral(text)}::${type.regtype}`;
  };
  const until = options.until ?? null;
  let pageBytes = 0; // unknown until the first page
  const fetchPage = (after: unknown[] | null) =>
    ctx
      .withClient(async (client) => {
        const conditions: string[] = [];
        const row = (values: unknown[]) => `(${values.map((v, i) => literal(client, v, keyTypes[i]!)).join(', ')})`;
        if (after) conditions.push(`(${keyList}) > ${row(after)}`);
        if (until) conditions.push(`(${keyList}) <= ${row(until)}`);
        if (since) conditions.push(`${q(since.column)} > ${literal(client, since.value, types.get(since.column)!)}`);
        const sql = `COPY (${head}${conditions.length ? ' WHERE ' + conditions.join(' AND ') : ''} ORDER BY ${keyList} LIMIT ${batchSize}) TO STDOUT${format === 'binary' ? ' (FORMAT binary)' : ''}`;
        return copyOut(ctx, client, sql, format, signal, pageBytes);
      })
      .catch((err) => {
        signal?.throwIfAborted(); // the cancelled COPY's error is the abort
        throw err;
      });

  // The caller reads ahead (the sync activity's readAhead): one page per step here.
  for (let after = options.after ?? null; ; ) {
    signal?.throwIfAborted();
    const page = await fetchPage(after);
    if (!page.rows) return;
    const last = format === 'binary' ? lastBinaryKey(page.text, keyAt, keyDecoders as BinaryKeyDecoder[], page.lastAt) : lastKey(page.text, keyAt, keyTypes);
    let released = false;
    const release = () => {
      if (!released) PAGE_BUFFERS.give(page.buffer);
      released = true;
    };
    pageBytes = Math.max(FIRST_PAGE_BYTES, Math.ceil(page.text.length * PAGE_HEADROOM));
    yield { text: page.text, rows: page.rows, last, format, release };
    if (page.rows < batchSize) return;
    after = last;
    if (options.batchBytes) {
      // Pages of about batchBytes: narrow rows in fewer, larger pages (each one transaction), wide rows in smaller ones.
      batchSize = grownBatchSize(rows, options.batchBytes, page.text.length / page.rows, fewest);
    }
  }
}

/**
 * Runs one COPY … TO STDOUT into a page buffer (`text` is its filled part;
 * `lastAt`: where a binary page's last row starts); an abort meanwhile
 * cancels it on the server (the connection stays usable).
 */
async function copyOut(
  ctx: PgContext,
  client: PoolClient,
  sql: string,
  format: CopyFormat,
  signal: AbortSignal | undefined,
  expectedBytes: number,
): Promise<{ buffer: Buffer; text: Buffer; rows: number; lastAt: number }> {
  const cancel = () => ctx.cancelQuery(client);
  signal?.addEventListener('abort', cancel, { once: true });
  let buffer = expectedBytes ? PAGE_BUFFERS.take(pageBufferBytes(expectedBytes)) : PAGE_BUFFERS.takeLargest(FIRST_PAGE_BYTES);
  const grow = (full: Buffer, used: number, need: number) => {
    const bigger = PAGE_BUFFERS.take(pageBufferBytes(Math.max(full.length * 1.5, need)));
    full.copy(bigger, 0, 0, used);
    PAGE_BUFFERS.give(full);
    return (buffer = bigger);
  };
  try {
    const copy = client.query(new CopyOutToPage(sql, buffer, grow));
    const page = await copy.result;
    const text = buffer.subarray(0, page.bytes);
    // Rows are the server's messages (binary: less its trailer), checked against its count: a torn
    // page must not pass for a short one. Where a binary page's last row starts, from its message.
    const rows = format === 'text' ? page.messages : Math.max(0, page.messages - 1);
    if (page.rowCount !== rows) throw fail(`COPY TO STDOUT reported ${page.rowCount} rows, its data holds ${rows}`);
    const lastAt = format === 'text' || !rows ? -1 : page.previousMessageAt > 0 ? page.previousMessageAt : binaryHeaderBytes(text);
    return { buffer, text, rows, lastAt };
  } catch (err) {
    PAGE_BUFFERS.give(buffer);
    throw err;
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}

async function columnTypes(ctx: PgContext, table: TableRef, names: string[]): Promise<Map<string, ColumnType>> {
  const { rows } = await ctx.withClient((c) =>
    c.query<{ name: string; oid: number; regtype: string }>(
      `SELECT attname AS name, atttypid::int AS oid, atttypid::regtype::text AS regtype FROM pg_attribute
       WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname = ANY($2::text[])`,
      [ctx.qualified(table), names],
    ),
  );
  const types = new Map(rows.map((r) => [r.name, { oid: r.oid, regtype: r.regtype }]));
  const missing = names.filter((n) => !types.has(n));
  if (missing.length) throw fail(`Column(s) ${missing.join(', ')} do not exist in ${table.schema}.${table.name}`);
  return types;
}

/** The canonical key of the last line of a COPY text page (the fields at `keyAt`, decoded like a read's). */
export function lastKey(text: Buffer, keyAt: number[], keyTypes: ColumnType[]): unknown[] {
  const end = text[text.length - 1] === NEWLINE ? text.length - 1 : text.length;
  const start = text.lastIndexOf(NEWLINE, end - 1) + 1;
  const fields: Buffer[] = [];
  for (let from = start; ; ) {
    const tab = text.indexOf(TAB, from);
    if (tab < 0 || tab >= end) {
      fields.push(text.subarray(from, end));
      break;
    }
    fields.push(text.subarray(from, tab));
    from = tab + 1;
  }
  return keyAt.map((at, i) => {
    const field = fields[at];
    if (field === undefined) throw fail(`COPY text line has ${fields.length} fields, the key is at field ${at + 1}`);
    const value = unescapeCopyField(field);
    if (value === null) return null;
    const parse = canonicalTypeParsers.getTypeParser(keyTypes[i]!.oid, 'text') as (text: string) => unknown;
    return parse(value);
  });
}

const SIMPLE_ESCAPES: Record<number, number> = { 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11 }; // b f n r t v

/** One field of COPY's text format → its text (`\N` → null), per PostgreSQL's COPY FROM rules. */
export function unescapeCopyField(field: Buffer): string | null {
  if (field.length === 2 && field[0] === BACKSLASH && field[1] === 0x4e) return null;
  if (!field.includes(BACKSLASH)) return field.toString('utf8');
  const out = Buffer.alloc(field.length);
  let n = 0;
  for (let i = 0; i < field.length; i++) {
    const c = field[i]!;
    if (c !== BACKSLASH || i + 1 >= field.length) {
      out[n++] = c;
      continue;
    }
    const e = field[++i]!;
    if (SIMPLE_ESCAPES[e] !== undefined) out[n++] = SIMPLE_ESCAPES[e]!;
    else if (e >= 0x30 && e <= 0x37) {
      // \ooo: up to three octal digits
      let v = e - 0x30;
      for (let k = 0; k < 2 && i + 1 < field.length && field[i + 1]! >= 0x30 && field[i + 1]! <= 0x37; k++) v = v * 8 + (field[++i]! - 0x30);
      out[n++] = v & 0xff;
    } else if (e === 0x78 && i + 1 < field.length && isHex(field[i + 1]!)) {
      // \xh or \xhh
      let v = hexValue(field[++i]!);
      if (i + 1 < field.length && isHex(field[i + 1]!)) v = v * 16 + hexValue(field[++i]!);
      out[n++] = v;
    } else out[n++] = e; // any other escaped character stands for itself (\\ too)
  }
  return out.subarray(0, n).toString('utf8');
}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const hexValue = (c: number) => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10);

/** Types from initdb have OIDs below this; user-defined ones (enums, composites, domains) are database-local. */
const FIRST_NORMAL_OID = 16384;

type BinaryKeyDecoder = (field: Buffer) => unknown;

const utf8: BinaryKeyDecoder = (f) => f.toString('utf8');
/** Key types whose binary form decodes to the same canonical value as `canonicalTypeParsers` gives for their text. */
const BINARY_KEY_DECODERS: Record<number, BinaryKeyDecoder | undefined> = {
  21: (f) => f.readInt16BE(0), // int2
  23: (f) => f.readInt32BE(0), // int4
  20: (f) => f.readBigInt64BE(0).toString(), // int8: its text, like the text parser
  25: utf8, // text
  1043: utf8, // varchar
  1042: utf8, // bpchar (padded in both forms)
  19: utf8, // name
  2950: (f) => {
    const h = f.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }, // uuid
};

const BINARY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** The signature, flags and header extension a COPY binary stream starts with. */
function binaryHeaderBytes(page: Buffer): number {
  if (page.length < 19 || !page.subarray(0, 11).equals(BINARY_SIGNATURE)) throw fail('COPY binary page without its signature');
  return 19 + page.readUInt32BE(15);
}

/**
 * The canonical key of the last row of a COPY binary page, the row starting
 * at `last` (where the server's message for that row began in the page).
 */
export function lastBinaryKey(page: Buffer, keyAt: number[], decoders: BinaryKeyDecoder[], last: number): unknown[] {
  if (last < 0) throw fail('COPY binary page without rows');
  const values: (Buffer | null)[] = [];
  const fields = page.readInt16BE(last);
  for (let f = 0, p = last + 2; f < fields; f++) {
    const length = page.readInt32BE(p);
    values.push(length < 0 ? null : page.subarray(p + 4, p + 4 + length));
    p += 4 + (length > 0 ? length : 0);
  }
  return keyAt.map((at, i) => {
    if (at >= values.length) throw fail(`COPY binary row has ${values.length} fields, the key is at field ${at + 1}`);
    const field = values[at]!;
    return field === null ? null : decoders[i]!(field);
  });
}
