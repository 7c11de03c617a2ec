import { Readable } from 'node:stream';
import { escape, type PoolConnection, type ResultSetHeader } from 'mysql2/promise';
import { ConnectorError, TestCode, type CanonicalType, type Checkpoint, type PreparedBatch, type TableRef, type TableWriter, type WriterOptions } from '@sluice/connector-sdk';
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

/** LOAD DATA LOCAL in a format no value can break: tab/newline/backslash escaped, `\N` NULL, bytes as hex through UNHEX(). */
export function loadDataSql(table: string, quotedColumns: string[], binary: boolean[]): string {
  const targets = quotedColumns.map((c, i) => (binary[i] ? `@sluice_v${i}` : c));
  const sets = quotedColumns.flatMap((c, i) => (binary[i] ? [`${c} = UNHEX(@sluice_v${i})`] : []));
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
  // Leave headroom under max_allowed_packet (the statement plus protocol overhead); non-bulk statements stay smaller.
  const budget = bulk ? Math.max(64 * 1024, Math.floor(ctx.maxAllowedPacket * 0.75) - 4096) : Math.min(1 << 20, Math.floor(ctx.maxAllowedPacket / 2));

  const insert = async (c: PoolConnection, rows: unknown[][]) => {
    let pending: string[] = [];
    let size = 0;
    const flush = async () => {
      if (!pending.length) return;
      await c.query(insertSql(ctx.flavour, target, quoted, pending, keyIdx ? quotedKey : null));
      pending = [];
      size = 0;
    };
    for (const row of rows) {
      const literal = `(${row.map((v, i) => escape(encodeParam(v, types[i]!, options.columns[i]!) as Parameters<typeof escape>[0])).join(', ')})`;
      const bytes = Buffer.byteLength(literal);
      if (pending.length && size + bytes > budget) await flush();
      pending.push(literal);
      size += bytes;
    }
    await flush();
  };

  /** A batch as it is written: LOAD DATA's file, encoded up front (bulk path), or the rows for INSERTs. */
  interface Encoded {
    count: number;
    file: Buffer[] | null;
    rows: unknown[][];
  }
  const checked = (input: unknown[][]): unknown[][] => {
    for (const row of input) {
      if (row.length !== options.columns.length) throw fail(`a row has ${row.length} values for ${options.columns.length} columns`);
    }
    return keyIdx ? dedupeByKey(input, keyIdx) : input;
  };
  const encode = (input: unknown[][]): Encoded => {
    const rows = checked(input);
    return loadData ? { count: rows.length, file: [...loadChunks(rows, types, options.columns)], rows: [] } : { count: rows.length, file: null, rows };
  };
  const append = (batch: Encoded, more: Encoded) => {
    batch.count += more.count;
    if (batch.file) batch.file.push(...more.file!);
    else batch.rows = batch.rows.concat(more.rows); // not push: the first part's array is the caller's
  };

  const load = async (c: PoolConnection, into: string, batch: Encoded) => {
    const sql = loadDataSql(into, quoted, types.map((t) => t.kind === 'bytes'));
    const [result] = await c.query<ResultSetHeader>({ sql, infileStreamFactory: () => Readable.from(batch.file!) });
    // Under LOCAL, duplicate keys and bad values are only warnings: any warning or a short count fails the batch.
    if (result.affectedRows !== batch.count || result.warningStatus > 0) {
      const [warnings] = await c.query('SHOW WARNINGS LIMIT 5');
      const text = (warnings as { Message: string }[]).map((w) => w.Message).join('; ');
      throw fail(`LOAD DATA into ${table.schema}.${table.name} loaded ${result.affectedRows} of ${batch.count} rows with ${result.warningStatus} warning(s)${text ? `: ${text}` : ''}; the batch was rolled back`);
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
            await c.query(insertSelectUpsertSql(ctx.flavour, target, staging, quoted, quotedKey));
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
      if (checkpoint) await putState(ctx, c, table, checkpoint);
      return batch.count;
    });
  };

  const write = async (batch: Encoded, checkpoint?: Checkpoint): Promise<number> => {
    // The state table's DDL commits implicitly: it runs before, never inside, the batch's transaction.
    if (checkpoint) await ensureStateTable(ctx, table.schema);
    try {
      return await writeBatch(batch, checkpoint);
    } catch (err) {
      // The state table vanished since this session created it: the whole batch rolled back, so create it and write again.
      if (!checkpoint || !forgetStateTable(ctx, table.schema, err)) throw err;
      await ensureStateTable(ctx, table.schema);
      return writeBatch(batch, checkpoint);
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

/** Last occurrence of a key wins (ON DUPLICATE KEY would apply them in order anyway; the count stays exact). */
export function dedupeByKey(rows: unknown[][], keyIdx: number[]): unknown[][] {
  const byKey = new Map<string, unknown[]>();
  for (const row of rows) {
    const key = JSON.stringify(keyIdx.map((i) => (Buffer.isBuffer(row[i]) ? (row[i] as Buffer).toString('hex') : row[i] ?? null)));
    byKey.delete(key);
    byKey.set(key, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
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
