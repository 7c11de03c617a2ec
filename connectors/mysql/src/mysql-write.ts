import { Readable } from 'node:stream';
import { escape, type PoolConnection, type ResultSetHeader } from 'mysql2/promise';
import { ConnectorError, dedupeByKey, expectBatchTaken, TestCode, type CanonicalType, type Checkpoint, type PreparedBatch, type TableRef, type TableWriter, type WriterOptions } from '@sluice/connector-sdk';
import { ensureStateTable, forgetStateTable, putState } from './mysql-checkpoint';
import { tableColumns } from './mysql-introspect';
import { atLeast, encodeLoadField, encodeParam, type MysqlFlavour } from './mysql-types';
import type { MysqlContext } from './mysql-session';

const fail = (message: string) => new ConnectorError(TestCode.DRIVER_ERROR, message, false);

/** MySQL ≥ 8.0.19 has the row alias (`VALUES(c)` is deprecated since 8.0.20); MariaDB keeps `VALUES(c)`. */
export function usesRowAlias(f: MysqlFlavour): boolean {
  return !f.mariadb && atLeast(f, 8, 0, 19);
}

const ALIAS = '`_sluice_new`';

/** The update list; a table whose columns are all key columns gets a no-op assignment so the statement stays valid. */
function assignments(flavour: MysqlFlavour, quotedColumns: string[], quotedKey: string[]): string {
  const update = quotedColumns.filter((c) => !quotedKey.includes(c));
  const targets = update.length ? update : quotedKey.slice(0, 1);
  if (!update.length) return targets.map((c) => `${c} = ${c}`).join(', ');
  return targets.map((c) => (usesRowAlias(flavour) ? `${c} = ${ALIAS}.${c}` : `${c} = VALUES(${c})`)).join(', ');
}

/** `INSERT … VALUES … [AS new] ON DUPLICATE KEY UPDATE …` (upsert) or a plain multi-row INSERT (append). */
export function insertSql(flavour: MysqlFlavour, table: string, quotedColumns: string[], valueRows: string[], upsertKey: string[] | null): string {
  const head = `INSERT INTO ${table} (${quotedColumns.join(', ')}) VALUES ${valueRows.join(', ')}`;
  if (!upsertKey) return head;
  return `${head}${usesRowAlias(flavour) ? ` AS ${ALIAS}` : ''} ON DUPLICATE KEY UPDATE ${assignments(flavour, quotedColumns, upsertKey)}`;
}

/** The upsert from a staging table: one `INSERT … SELECT … ON DUPLICATE KEY UPDATE`. */
export function insertSelectUpsertSql(flavour: MysqlFlavour, table: string, staging: string, quotedColumns: string[], quotedKey: string[]): string {
  const cols = quotedColumns.join(', ');
  const source = usesRowAlias(flavour) ? `SELECT * FROM (SELECT ${cols} FROM ${staging}) AS ${ALIAS}` : `SELECT ${cols} FROM ${staging}`;
  return `INSERT INTO ${table} (${cols}) ${source} ON DUPLICATE KEY UPDATE ${assignments(flavour, quotedColumns, quotedKey)}`;
}

/**
 * LOAD DATA LOCAL in a format no value can break: tab/newline/backslash escaped, `\N` NULL, bytes as hex
 * through UNHEX(). With a SET clause, MariaDB (10.11) numbers a 0 loaded straight into an AUTO_INCREMENT
 * column despite NO_AUTO_VALUE_ON_ZERO (the same 0 through a variable is kept): `autoIncrement` columns go
 * through a variable too whenever there is a SET clause.
 */
export function loadDataSql(table: string, quotedColumns: string[], binary: boolean[], autoIncrement: boolean[] = []): string {
  const anySet = binary.some(Boolean);
  const viaVariable = quotedColumns.map((_, i) => binary[i] || (anySet && autoIncrement[i]));
  const targets = quotedColumns.map((c, i) => (viaVariable[i] ? `@sluice_v${i}` : c));
  const sets = quotedColumns.flatMap((c, i) => (binary[i] ? [`${c} = UNHEX(@sluice_v${i})`] : viaVariable[i] ? [`${c} = @sluice_v${i}`] : []));
  return `LOAD DATA LOCAL INFILE 'sluice-batch.tsv' INTO TABLE ${table} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${targets.join(', ')})` +
    (sets.length ? ` SET ${sets.join(', ')}` : '');
}

/** MySQL ≥ 8 caches information_schema.TABLES.AUTO_INCREMENT (information_schema_stats_expiry): read it fresh. */
export function autoIncrementSql(flavour: MysqlFlavour): string[] {
  const read = 'SELECT AUTO_INCREMENT AS next FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?';
  return flavour.mariadb || !atLeast(flavour, 8) ? [read] : ['SET SESSION information_schema_stats_expiry = 0', read];
}

export async function openMysqlWriter(ctx: MysqlContext, table: TableRef, options: WriterOptions): Promise<TableWriter> {
  const all = await tableColumns(ctx, table);
  if (!all.length) throw fail(`table ${table.schema}.${table.name} does not exist (or is not visible to this user)`);
  const byName = new Map(all.map((c) => [c.name, c]));
  const missing = options.columns.filter((c) => !byName.has(c));
  if (missing.length) throw fail(`${table.schema}.${table.name} has no column(s) ${missing.join(', ')}`);
  const columns = options.columns.map((c) => byName.get(c)!);
  // MySQL silently accepts explicit values in AUTO_INCREMENT columns; Sluice still asks for identityInsert so
  // a copy never overwrites generated keys by accident. identityInsert needs no switch on the server, it only allows it.
  const identity = columns.find((c) => c.identity);
  if (identity && !options.identityInsert) {
    throw fail(`column ${identity.name} of ${table.schema}.${table.name} is AUTO_INCREMENT: leave it out of the columns, or write with identityInsert: true`);
  }
  let keyIdx: number[] | null = null;
  if (options.mode === 'upsert') {
    if (!options.key?.length) throw fail(`upsert into ${table.schema}.${table.name} needs a key (a primary key or unique constraint): none given`);
    const absent = options.key.filter((k) => !options.columns.includes(k));
    if (absent.length) throw fail(`upsert key column(s) ${absent.join(', ')} are not among the written columns`);
    keyIdx = options.key.map((k) => options.columns.indexOf(k));
  }
  const q = ctx.quoteIdent;
  const target = ctx.table(table);
  const quoted = options.columns.map(q);
  const quotedKey = options.key?.map(q) ?? [];
  const types = columns.map((c) => c.type);
  const bulk = options.highPerformance === true;
  const loadData = bulk && ctx.localInfile;
  // The key of the batch, when every key column is written (upsert: its key; append: the read key it was given).
  const givenKeyIdx = keyIdx ?? (options.key?.length && options.key.every((k) => options.columns.includes(k)) ? options.key.map((k) => options.columns.indexOf(k)) : null);
  // After the write, inside its transaction, the batch's keys are looked up in the table (KeyCheck). An upsert's
  // affected rows cannot prove it kept every row, so it always checks. An append is proven by its count and
  // warnings (strict mode, NO_AUTO_VALUE_ON_ZERO, NULL keys refused below), except where the server may change a
  // key without either: a trigger (SET NEW.id = …), a fractional second or float a narrower column drops, or
  // BINARY(n) padding a shorter value with zero bytes, all silently.
  const keyMayChange = givenKeyIdx?.some((i) => silentlyChanged(columns[i]!)) ?? false;
  const appendCheck = !keyIdx && givenKeyIdx !== null && (keyMayChange || (await hasWriteTriggers(ctx, table)));
  const verifyIdx = keyIdx ?? (appendCheck ? givenKeyIdx : null);
  const keyCheck = verifyIdx
    ? new KeyCheck(target, `${table.schema}.${table.name}`, verifyIdx.map((i) => options.columns[i]!), q, Math.min(256 * 1024, Math.floor(ctx.maxAllowedPacket / 16)))
    : null;
  // The staging upsert checks by a join with its staging table (no key literals to build), unless the key may
  // change silently: the staging table (LIKE the target) changed it already, so the written keys are looked up.
  const keyLiterals = verifyIdx !== null && (!(loadData && keyIdx) || keyMayChange);
  const keyLiteral = (row: unknown[]): string => {
    const parts = verifyIdx!.map((i) => literal(row[i], i));
    return parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`;
  };
  const literal = (v: unknown, i: number): string => escape(encodeParam(v, types[i]!, options.columns[i]!) as Parameters<typeof escape>[0]);
  const what = (verb: string) => `${verb} into ${table.schema}.${table.name}`;
  // Leave headroom under max_allowed_packet (the statement plus protocol overhead); non-bulk statements stay smaller.
  const budget = bulk ? Math.max(64 * 1024, Math.floor(ctx.maxAllowedPacket * 0.75) - 4096) : Math.min(1 << 20, Math.floor(ctx.maxAllowedPacket / 2));

  const insert = async (c: PoolConnection, rows: unknown[][]) => {
    let pending: string[] = [];
    let size = 0;
    let affected = 0;
    const flush = async () => {
      if (!pending.length) return;
      const [result] = await c.query<ResultSetHeader>(insertSql(ctx.flavour, target, quoted, pending, keyIdx ? quotedKey : null));
      affected += result.affectedRows;
      // Strict mode makes bad values errors, but some changes stay warnings (a DECIMAL rounded is a Note).
      if (result.warningStatus > 0) await failOnWarnings(c, what(keyIdx ? 'upsert' : 'INSERT'), result.warningStatus);
      pending = [];
      size = 0;
    };
    for (const row of rows) {
      const values = `(${row.map((v, i) => literal(v, i)).join(', ')})`;
      const bytes = Buffer.byteLength(values);
      if (pending.length && size + bytes > budget) await flush();
      pending.push(values);
      size += bytes;
    }
    await flush();
    // A plain INSERT counts 1 a row (an upsert 1 per insert, 2 per changed and 0 per unchanged row: its key check proves it).
    if (!keyIdx) expectBatchTaken('INSERT', `${table.schema}.${table.name}`, affected, rows.length);
  };

  /** A batch as it is written: LOAD DATA's file, encoded up front (bulk path), or the rows for INSERTs. */
  interface Encoded {
    count: number;
    file: Buffer[] | null;
    rows: unknown[][];
    /** Each row's key as an SQL literal (`0`, `('a', 2)`), for the key check after the write; null without one. */
    keys: string[] | null;
  }
  const checked = (input: unknown[][]): unknown[][] => {
    for (const row of input) {
      if (row.length !== options.columns.length) throw fail(`a row has ${row.length} values for ${options.columns.length} columns`);
      // A NULL key is no key: an AUTO_INCREMENT column would number it, a unique key would let it repeat.
      if (givenKeyIdx?.some((i) => row[i] === null || row[i] === undefined)) {
        throw fail(`a row for ${table.schema}.${table.name} has a NULL in key (${givenKeyIdx.map((i) => options.columns[i]).join(', ')}): ${JSON.stringify(givenKeyIdx.map((i) => row[i] ?? null))}`);
      }
    }
    return keyIdx ? dedupeByKey(input, keyIdx) : input;
  };
  const encode = (input: unknown[][]): Encoded => {
    const rows = checked(input);
    const keys = keyLiterals ? rows.map(keyLiteral) : null;
    return loadData
      ? { count: rows.length, file: [...loadChunks(rows, types, options.columns)], rows: [], keys }
      : { count: rows.length, file: null, rows, keys };
  };
  const append = (batch: Encoded, more: Encoded) => {
    batch.count += more.count;
    if (batch.file) batch.file.push(...more.file!);
    else batch.rows = batch.rows.concat(more.rows); // not push: the first part's array is the caller's
    if (batch.keys) batch.keys = batch.keys.concat(more.keys!);
  };

  const load = async (c: PoolConnection, into: string, batch: Encoded) => {
    const sql = loadDataSql(into, quoted, types.map((t) => t.kind === 'bytes'), columns.map((c) => c.identity));
    const [result] = await c.query<ResultSetHeader>({ sql, infileStreamFactory: () => Readable.from(batch.file!) });
    // Under LOCAL, duplicate keys and bad values are only warnings: any warning, a short count, or a skipped or
    // deleted record in the server's `Records: N Deleted: D Skipped: S Warnings: W` fails the batch.
    const info = parseLoadInfo(result.info);
    const exact = info !== null && info.records === batch.count && info.deleted === 0 && info.skipped === 0 && info.warnings === 0;
    if (result.affectedRows !== batch.count || result.warningStatus > 0 || !exact) {
      const [warnings] = await c.query('SHOW WARNINGS LIMIT 5');
      const text = (warnings as { Message: string }[]).map((w) => w.Message).join('; ');
      throw fail(
        `LOAD DATA into ${table.schema}.${table.name} loaded ${result.affectedRows} of ${batch.count} rows with ${result.warningStatus} warning(s)` +
          ` (server: ${JSON.stringify(result.info ?? '')})${text ? `: ${text}` : ''}; the batch was rolled back`,
      );
    }
  };

  let wroteIdentity = false;

  /** One batch in one transaction, with its checkpoint (when given) upserted in that same transaction. */
  const writeBatch = async (batch: Encoded, checkpoint: Checkpoint | undefined): Promise<number> => {
    if (!batch.count) {
      // Nothing to write, but the checkpoint still moves.
      if (checkpoint) await ctx.transaction((c) => putState(ctx, c, table, checkpoint));
      return 0;
    }
    if (identity) wroteIdentity = true;
    if (loadData && keyIdx) {
      // HP upsert: LOAD DATA into a session-private staging table, then one INSERT … SELECT … ON DUPLICATE KEY UPDATE.
      return ctx.withConnection(async (c) => {
        const staging = q(`_sluice_stage_${process.pid}_${Date.now().toString(36)}`);
        await c.query(`CREATE TEMPORARY TABLE ${staging} LIKE ${target}`);
        try {
          await inTransaction(c, async () => {
            await load(c, staging, batch);
            const [result] = await c.query<ResultSetHeader>(insertSelectUpsertSql(ctx.flavour, target, staging, quoted, quotedKey));
            if (result.warningStatus > 0) await failOnWarnings(c, what('upsert'), result.warningStatus);
            if (batch.keys) await keyCheck!.run(c, batch.keys, 'upsert');
            else await keyCheck!.runJoin(c, staging, batch.count, 'upsert');
            if (checkpoint) await putState(ctx, c, table, checkpoint);
          });
        } finally {
          await c.query(`DROP TEMPORARY TABLE IF EXISTS ${staging}`).catch(() => undefined);
        }
        return batch.count;
      });
    }
    return ctx.transaction(async (c) => {
      if (loadData) await load(c, target, batch);
      else await insert(c, batch.rows);
      if (keyCheck) await keyCheck.run(c, batch.keys!, keyIdx ? 'upsert' : loadData ? 'LOAD DATA' : 'INSERT');
      if (checkpoint) await putState(ctx, c, table, checkpoint);
      return batch.count;
    });
  };

  const write = async (batch: Encoded, checkpoint?: Checkpoint): Promise<number> => {
    // The state table's DDL commits implicitly: it runs before, never inside, the batch's transaction.
    if (checkpoint) await ensureStateTable(ctx, table.schema);
    try {
      try {
        return await writeBatch(batch, checkpoint);
      } catch (err) {
        // The state table vanished since this session created it: the whole batch rolled back, so create it and write again.
        if (!checkpoint || !forgetStateTable(ctx, table.schema, err)) throw err;
        await ensureStateTable(ctx, table.schema);
        return await writeBatch(batch, checkpoint);
      }
    } catch (err) {
      throw naming(ctx.error(err), `${table.schema}.${table.name}`);
    }
  };

  return {
    write: (input, checkpoint) => write(encode(input), checkpoint),
    /** The bulk path encodes LOAD DATA's file now (~its wire size); the plain path keeps the rows for its INSERTs. */
    prepare(input: unknown[][]): PreparedBatch {
      const batch = encode(input);
      return {
        get rows() { return batch.count; },
        add: (more) => append(batch, encode(more)),
        write: (checkpoint) => write(batch, checkpoint),
      };
    },
    async close(): Promise<void> {
      if (!identity || !wroteIdentity) return;
      // InnoDB already moves the counter past explicit values; make sure (e.g. other engines, older servers).
      await ctx.withConnection(async (c) => {
        const statements = autoIncrementSql(ctx.flavour);
        for (const sql of statements.slice(0, -1)) await c.query(sql);
        const [next] = await c.query(statements[statements.length - 1]!, [table.schema, table.name]);
        const [max] = await c.query(`SELECT MAX(${q(identity.name)}) AS max FROM ${target}`);
        const current = (next as { next: string | number | null }[])[0]?.next;
        const highest = (max as { max: string | number | null }[])[0]?.max;
        if (highest === null || highest === undefined) return;
        const wanted = BigInt(String(highest).split('.')[0]!) + 1n;
        if (current === null || current === undefined || BigInt(String(current)) < wanted) {
          await c.query(`ALTER TABLE ${target} AUTO_INCREMENT = ${wanted.toString()}`);
        }
      });
    },
  };
}

/** A server's error says "Data too long for column 'v' at row 1": the batch's failure names its table too. */
function naming(err: ConnectorError, table: string): ConnectorError {
  if (err.code !== TestCode.DRIVER_ERROR || err.message.includes(table)) return err;
  const named = new ConnectorError(err.code, `write into ${table} failed, the batch was rolled back: ${err.message}`, err.retryable, err.details);
  named.stack = err.stack;
  return named;
}

/** A column that may store a value other than the one written, without a warning (DATETIME(0) drops .4 s; FLOAT rounds a double; BINARY(4) pads 'ab'). */
function silentlyChanged(column: { nativeType: string; type: CanonicalType }): boolean {
  return ['timestamp', 'timestamptz', 'time', 'float32', 'float64'].includes(column.type.kind) || /^binary\(/i.test(column.nativeType);
}

/** The table has INSERT or UPDATE triggers (ON DUPLICATE KEY UPDATE fires both): they may change a key. */
async function hasWriteTriggers(ctx: MysqlContext, table: TableRef): Promise<boolean> {
  const rows = await ctx.query(
    `SELECT COUNT(*) AS n FROM information_schema.TRIGGERS
     WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? AND EVENT_MANIPULATION IN ('INSERT', 'UPDATE')`,
    [table.schema, table.name],
  );
  return Number(rows[0]?.n) > 0;
}

/** `Records: 3  Deleted: 0  Skipped: 0  Warnings: 0` (LOAD DATA's info message), or null when it does not read so. */
export function parseLoadInfo(info: string | undefined): { records: number; deleted: number; skipped: number; warnings: number } | null {
  const m = /Records:\s*(\d+)\s+Deleted:\s*(\d+)\s+Skipped:\s*(\d+)\s+Warnings:\s*(\d+)/i.exec(info ?? '');
  return m ? { records: Number(m[1]), deleted: Number(m[2]), skipped: Number(m[3]), warnings: Number(m[4]) } : null;
}

/** Warnings a statement may raise without changing what it wrote: 1592, unsafe for statement-based binary logging. */
const HARMLESS_WARNINGS = new Set([1592]);

/** After a statement with warnings: fails naming them unless all are harmless. */
async function failOnWarnings(c: PoolConnection, what: string, count: number): Promise<void> {
  const [rows] = await c.query('SHOW WARNINGS LIMIT 10');
  const warnings = (rows as { Level: string; Code: number; Message: string }[]).filter((w) => !HARMLESS_WARNINGS.has(Number(w.Code)));
  if (!warnings.length && (rows as unknown[]).length >= count) return;
  const text = warnings.map((w) => `${w.Level} ${w.Code}: ${w.Message}`).join('; ');
  throw fail(`${what} raised ${count} warning(s)${text ? `: ${text}` : ''}; the batch was rolled back`);
}

const SHOWN = 120;
const show = (literal: string) => (literal.length > SHOWN ? `${literal.slice(0, SHOWN)}…` : literal);

/**
 * Proves, inside a batch's transaction after its write, that the destination holds a row for every key of
 * the batch: a trigger, a renumbered AUTO_INCREMENT or a collation that folds two keys into one cannot make
 * a batch report rows it does not hold. One `SELECT key … WHERE key IN (…)` a few thousand keys (the rows
 * are counted by their key as returned, so a row found for two batch keys counts once); on a shortfall a
 * slower query names the first batch key without its own row.
 */
export class KeyCheck {
  private readonly select: string;
  private readonly lhs: string;
  private readonly quoted: string[];
  constructor(
    private readonly target: string,
    private readonly name: string,
    private readonly columns: string[],
    quote: (s: string) => string,
    /** Characters of key literals per statement (a character is at most 4 bytes: well under max_allowed_packet). */
    private readonly budget = 256 * 1024,
  ) {
    const quoted = columns.map(quote);
    this.quoted = quoted;
    this.select = quoted.join(', ');
    this.lhs = quoted.length > 1 ? `(${this.select})` : this.select;
  }

  async run(c: PoolConnection, keys: string[], verb: string): Promise<void> {
    const expected = new Set(keys).size;
    const chunks: string[][] = [];
    let chunk: string[] = [];
    let size = 0;
    for (const key of keys) {
      if (chunk.length && size + key.length > this.budget) chunks.push(chunk), (chunk = []), (size = 0);
      chunk.push(key);
      size += key.length + 2;
    }
    if (chunk.length) chunks.push(chunk);
    const inList = (chunk: string[]) => `FROM ${this.target} WHERE ${this.lhs} IN (${chunk.join(', ')})`;
    let found: number;
    if (chunks.length <= 1) {
      // One statement: the rows it matches are distinct rows, two batch keys folded into one row count once.
      if (!chunks.length) return;
      const [rows] = await c.query({ sql: `SELECT COUNT(*) ${inList(chunks[0]!)}`, rowsAsArray: true });
      found = Number((rows as unknown[][])[0]![0]);
    } else {
      // Across statements the same row may be matched twice: count the rows by their key as returned.
      const seen = new Set<string>();
      for (const chunk of chunks) {
        const [rows] = await c.query({ sql: `SELECT ${this.select} ${inList(chunk)}`, rowsAsArray: true });
        for (const r of rows as unknown[][]) seen.add(identity(r));
      }
      found = seen.size;
    }
    if (found >= expected) return;
    throw fail(`${verb} into ${this.name}: ${await this.explain(c, keys)} (${found} of ${expected} keys found after the write); the batch was rolled back`);
  }

  /**
   * The staging upsert's check: the staging table (LIKE the target: the same unique keys, so no two of its
   * rows are one key to the target) joined with the target; every staging row must find its row.
   */
  async runJoin(c: PoolConnection, staging: string, expected: number, verb: string): Promise<void> {
    const on = this.quoted.map((k) => `t.${k} = s.${k}`).join(' AND ');
    const [rows] = await c.query({ sql: `SELECT COUNT(*) FROM ${staging} s JOIN ${this.target} t ON ${on}`, rowsAsArray: true });
    const found = Number((rows as unknown[][])[0]![0]);
    if (found >= expected) return;
    const [missing] = await c.query({
      sql: `SELECT ${this.quoted.map((k) => `s.${k}`).join(', ')} FROM ${staging} s WHERE NOT EXISTS (SELECT 1 FROM ${this.target} t WHERE ${on}) LIMIT 1`,
      rowsAsArray: true,
    });
    const first = (missing as unknown[][])[0];
    const key = first ? first.map((v) => (Buffer.isBuffer(v) ? `X'${v.toString('hex')}'` : v === null ? 'NULL' : String(v))).join(', ') : '?';
    throw fail(
      `${verb} into ${this.name}: the row with key (${this.columns.join(', ')}) = ${show(first && first.length > 1 ? `(${key})` : key)} is not in the table after the write` +
        ` (a trigger or the server changed its key) (${found} of ${expected} keys found after the write); the batch was rolled back`,
    );
  }

  /** The first batch key without a row of its own: missing, or sharing its row with an earlier key. */
  private async explain(c: PoolConnection, keys: string[]): Promise<string> {
    const cols = this.columns.join(', ');
    const ident = this.columns.length > 1 ? `CONCAT_WS(',', ${this.quoted.map((k) => `HEX(${k})`).join(', ')})` : `HEX(${this.select})`;
    const owner = new Map<string, number>();
    for (let at = 0; at < keys.length; ) {
      // Up to 200 keys a statement, within the byte budget.
      let end = at + 1;
      for (let size = keys[at]!.length; end < keys.length && end - at < 200 && size + keys[end]!.length <= this.budget; end++) size += keys[end]!.length;
      const part = keys.slice(at, end);
      const sql = part.map((k, j) => `SELECT ${at + j} AS i, (SELECT ${ident} FROM ${this.target} WHERE ${this.lhs} = ${k} LIMIT 1) AS m`).join(' UNION ALL ');
      at = end;
      const [rows] = await c.query({ sql, rowsAsArray: true });
      for (const [i, m] of (rows as [number | string, string | null][]).sort((a, b) => Number(a[0]) - Number(b[0]))) {
        const key = keys[Number(i)]!;
        if (m === null) return `the row with key (${cols}) = ${show(key)} is not in the table after the write (a trigger or the server changed its key)`;
        const first = owner.get(m);
        if (first !== undefined && keys[first] !== key) {
          return `keys (${cols}) = ${show(keys[first]!)} and ${show(key)} are one row in the table (its collation or a trigger folds them together)`;
        }
        if (first === undefined) owner.set(m, Number(i));
      }
    }
    return `some key (${cols}) of the batch is not in the table after the write`;
  }
}

/** A returned key row as one string (bytes as hex), so the same table row read twice counts once. */
function identity(row: unknown[]): string {
  return row.map((v) => (Buffer.isBuffer(v) ? `x${v.toString('hex')}` : v === null ? '\0' : `s${String(v)}`)).join('\u0001');
}

async function inTransaction(c: PoolConnection, fn: () => Promise<void>): Promise<void> {
  await c.query('START TRANSACTION');
  try {
    await fn();
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}


/** The LOAD DATA file as ~256 KB chunks, encoded lazily. */
function* loadChunks(rows: unknown[][], types: CanonicalType[], columns: string[]): Generator<Buffer> {
  let lines: string[] = [];
  let size = 0;
  for (const row of rows) {
    const line = row.map((v, i) => encodeLoadField(v, types[i]!, columns[i]!)).join('\t') + '\n';
    lines.push(line);
    size += line.length;
    if (size >= CHUNK) {
      yield* slices(Buffer.from(lines.join(''), 'utf8'));
      lines = [];
      size = 0;
    }
  }
  if (lines.length) yield* slices(Buffer.from(lines.join(''), 'utf8'));
}

const CHUNK = 256 * 1024;

/** Each chunk becomes one protocol packet: keep them well under max_allowed_packet even for a huge value. */
function* slices(buffer: Buffer): Generator<Buffer> {
  for (let at = 0; at < buffer.length; at += CHUNK) yield buffer.subarray(at, at + CHUNK);
}
