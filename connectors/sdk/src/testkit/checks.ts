import { expect } from '@jest/globals';
import type { CapabilityName } from '../functionalities';
import type { ConnectorSession, RowBatch, TableDefinition } from '../connector';
import type { TableRef, TableSchema } from '../schema';
import { configFor, type ContractContext } from './context';
import type { FixtureTrait } from './fixture';
import { ROUND_TRIP_COLUMNS, comparable, roundTripRows } from './values';

/** One contract check: a name, the capability it proves (if any), what it needs of the fixture, and the proof. */
export interface ContractCheck {
  name: string;
  capability?: CapabilityName;
  /** The set-up needs SQL DDL, for this (skipped, saying so, for fixtures without SQL). */
  needsSql?: string;
  /** Without SQL the check makes its tables with `createTable`: it needs SCHEMA_MANAGEMENT then. */
  makesTables?: boolean;
  /** What the check proves that a fixture may lack (see `FixtureTrait`); skipped, with the fixture's reason, when it does. */
  needs?: FixtureTrait[];
  run(ctx: ContractContext): Promise<void>;
}

/** Reads a whole table in key order through the connector. */
export async function readAll(session: ConnectorSession, table: TableRef, key: string[], batchSize = 1000) {
  const rows: unknown[][] = [];
  for await (const batch of session.read(table, { key, batchSize })) rows.push(...batch.rows);
  return rows;
}

async function knownSchema(ctx: ContractContext): Promise<{ schema: string; session: ConnectorSession }> {
  const schema = await ctx.scratchSchema();
  for (const ddl of ctx.knownSchemaDdl(schema)) await ctx.sql.exec(ddl);
  return { schema, session: await ctx.session() };
}

const byName = (tables: TableSchema[], name: string) => {
  const t = tables.find((x) => x.name === name);
  if (!t) throw new Error(`introspection lacks table ${name}; got ${tables.map((x) => x.name).join(', ')}`);
  return t;
};

/**
 * Makes `table`: with SQL, by the DDL `sql` gives (bypassing the connector, no
 * capability needed); without SQL, through the session's `createTable` with
 * `definition` (the same columns; the check is declared `makesTables`).
 */
async function makeTable(ctx: ContractContext, session: ConnectorSession, table: TableRef, definition: TableDefinition, sql: (q: (name: string) => string) => string): Promise<void> {
  if (ctx.hasSql) await ctx.sql.exec(sql(ctx.quoteIdent));
  else await session.createTable!(table, definition);
}

const LINES: TableDefinition = {
  columns: [
    { name: 'order_id', type: { kind: 'int64' }, nullable: false },
    { name: 'line_no', type: { kind: 'int32' }, nullable: false },
    { name: 'sku', type: { kind: 'text', maxLength: 40 }, nullable: false },
    { name: 'qty', type: { kind: 'int16' }, nullable: false },
  ],
  primaryKey: ['order_id', 'line_no'],
};

/** A table with a two-column key, made with DDL every SQL engine takes (no capability needed), or createTable without SQL. */
async function pairKeyTable(ctx: ContractContext, session: ConnectorSession, schema: string): Promise<TableRef> {
  const table = { schema, name: 'lines' };
  await makeTable(
    ctx,
    session,
    table,
    LINES,
    (q) =>
      `CREATE TABLE ${ctx.q(table)} (${q('order_id')} BIGINT NOT NULL, ${q('line_no')} INTEGER NOT NULL, ` +
      `${q('sku')} VARCHAR(40) NOT NULL, ${q('qty')} SMALLINT NOT NULL, PRIMARY KEY (${q('order_id')}, ${q('line_no')}))`,
  );
  return table;
}

/** `id` int32 primary key and `v` text(10), NOT NULL or not. */
const idValue = (notNull: boolean): TableDefinition => ({
  columns: [
    { name: 'id', type: { kind: 'int32' }, nullable: false },
    { name: 'v', type: { kind: 'text', maxLength: 10 }, nullable: !notNull },
  ],
  primaryKey: ['id'],
});

const simpleTable = (name = 'c'): TableDefinition => ({
  columns: [
    { name: 'id', type: { kind: 'int32' }, nullable: false },
    { name: name, type: { kind: 'text', maxLength: 100 }, nullable: true },
  ],
  primaryKey: ['id'],
});

export const CONTRACT_CHECKS: ContractCheck[] = [
  {
    name: 'test: success answers CONNECTION_OK; a wrong password AUTHENTICATION_FAILED without the password',
    needs: ['authentication'],
    async run(ctx) {
      expect((await ctx.plugin.test(ctx.config)).code).toBe('CONNECTION_OK');
      const wrong = { ...ctx.config, password: 'Tk-Wr0ng-Pa55' };
      const message = await ctx.plugin.test(wrong);
      expect(message.code).toBe('AUTHENTICATION_FAILED');
      expect(JSON.stringify(message)).not.toContain('Tk-Wr0ng-Pa55');
    },
  },
  {
    name: 'listDatabases and listSchemas find what exists',
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      expect(await session.listDatabases()).toContain(ctx.config.database);
      expect(await session.listSchemas()).toContain(schema);
      expect(await session.serverVersion()).toMatch(/\d+\.\d+/);
    },
  },
  {
    name: 'introspect: types, nullability, primary, unique and foreign keys, indexes, identity; views only when asked',
    needsSql: 'the known schema (identity column, foreign keys, secondary index, view)',
    async run(ctx) {
      const { schema, session } = await knownSchema(ctx);
      const tables = await session.introspect(schema, { includeViews: false });
      expect(tables.map((t) => t.name).sort()).toEqual(['customers', 'order_lines', 'orders']);
      const customers = byName(tables, 'customers');
      expect(customers.kind).toBe('table');
      expect(customers.columns.map((c) => [c.name, c.type.kind, c.nullable, c.identity])).toEqual([
        ['id', 'int64', false, true],
        ['email', 'text', false, false],
        ['name', 'text', true, false],
        ['created_at', 'timestamptz', false, false],
      ]);
      expect(customers.columns[1]!.type).toEqual({ kind: 'text', maxLength: 200 });
      expect(customers.primaryKey).toEqual(['id']);
      expect(customers.uniqueConstraints).toEqual([{ name: 'customers_email_key', columns: ['email'] }]);

      const orders = byName(tables, 'orders');
      expect(orders.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
        ['id', { kind: 'int64' }, false],
        ['customer_id', { kind: 'int64' }, false],
        ['total', { kind: 'decimal', precision: 12, scale: 2 }, false],
        ['note', { kind: 'text' }, true],
      ]);
      expect(orders.columns[0]!.identity).toBe(false);
      expect(orders.foreignKeys).toEqual([
        expect.objectContaining({
          name: 'orders_customer_fk',
          columns: ['customer_id'],
          referencedSchema: schema,
          referencedTable: 'customers',
          referencedColumns: ['id'],
          onDelete: 'CASCADE',
        }),
      ]);
      expect(orders.indexes).toContainEqual(expect.objectContaining({ name: 'orders_customer_idx', columns: ['customer_id'], unique: false }));

      const lines = byName(tables, 'order_lines');
      expect(lines.primaryKey).toEqual(['order_id', 'line_no']);
      expect(lines.columns.map((c) => c.type.kind)).toEqual(['int64', 'int32', 'text', 'int16']);
      expect(lines.foreignKeys.map((f) => [f.name, f.referencedTable, f.columns])).toEqual([['order_lines_order_fk', 'orders', ['order_id']]]);

      const withViews = await session.introspect(schema, { includeViews: true });
      const view = byName(withViews, 'customer_emails');
      expect(view.kind).toBe('view');
      expect(view.columns.map((c) => c.name)).toEqual(['id', 'email']);
    },
  },
  {
    name: 'round trip of every canonical type, NULLs, extremes, unicode and binary, bulk and plain paths',
    capability: 'SCHEMA_MANAGEMENT',
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      const definition: TableDefinition = {
        columns: [{ name: 'id', type: { kind: 'int32' }, nullable: false }, ...ROUND_TRIP_COLUMNS.map((c) => ({ name: c.name, type: c.type, nullable: true }))],
        primaryKey: ['id'],
      };
      const columns = definition.columns.map((c) => c.name);
      const expected = roundTripRows(7);
      for (const highPerformance of [true, false]) {
        if (highPerformance && !ctx.plugin.capabilities.highPerformanceWriting) continue;
        const table = { schema, name: highPerformance ? 'round_trip_bulk' : 'round_trip_plain' };
        await session.createTable!(table, definition);
        const writer = await session.openWriter(table, { columns, mode: 'append', highPerformance });
        expect(await writer.write(expected)).toBe(expected.length);
        await writer.close();
        const actual = await readAll(session, table, ['id'], 3);
        expect(actual.length).toBe(expected.length);
        const kinds = ['int32' as const, ...ROUND_TRIP_COLUMNS.map((c) => c.type.kind)];
        const norm = (rows: unknown[][]) => rows.map((r) => r.map((v, i) => comparable(kinds[i]!, v)));
        expect({ path: highPerformance ? 'bulk' : 'plain', rows: norm(actual) }).toEqual({ path: highPerformance ? 'bulk' : 'plain', rows: norm(expected) });
      }
    },
  },
  {
    name: 'read resumes from a cursor with no row lost or repeated, in key order; `since` filters',
    makesTables: true,
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      const lines = await pairKeyTable(ctx, session, schema);
      const rows: unknown[][] = [];
      for (let order = 1; order <= 50; order++) for (let line = 1; line <= 41; line++) rows.push([String(order), line, `sku-${order}-${line}`, line % 7]);
      const writer = await session.openWriter(lines, { columns: ['order_id', 'line_no', 'sku', 'qty'], mode: 'append' });
      await writer.write(rows.slice().reverse()); // stored out of order: the read must order by key
      await writer.close();
      const key = ['order_id', 'line_no'];
      const seen: unknown[][] = [];
      let after: unknown[] | null = null;
      let batches = 0;
      // Read 7 batches, stop (as a cancelled activity would), resume from the last cursor, repeat.
      for (;;) {
        let got = 0;
        for await (const batch of session.read(lines, { key, after, batchSize: 97 })) {
          seen.push(...batch.rows);
          after = batch.last;
          expect(batch.last).toEqual(batch.rows[batch.rows.length - 1]!.slice(0, 2));
          batches++;
          if (++got === 7) break;
        }
        if (got < 7) break;
      }
      expect(batches).toBeGreaterThan(14);
      expect(seen.map((r) => `${r[0]}/${r[1]}`)).toEqual(rows.map((r) => `${r[0]}/${r[1]}`));
      const since = [];
      for await (const batch of session.read(lines, { key, since: { column: 'order_id', value: '48' }, batchSize: 50 })) since.push(...batch.rows);
      expect(since.length).toBe(2 * 41);
      expect(since.every((r) => Number(r[0]) > 48)).toBe(true);
    },
  },
  {
    name: 'read ranges split by `until` read the whole table exactly once, in order; keyBounds finds min and max; countRows agrees',
    makesTables: true,
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      const lines = await pairKeyTable(ctx, session, schema);
      const key = ['order_id', 'line_no'];
      expect(await session.keyBounds(lines, 'order_id')).toBeNull();
      // order_id beyond 2^53 on both sides: exact only as canonical int64 strings.
      const orders = ['-9007199254740993', '-5', '0', '7', '9007199254740993', '9223372036854775807'];
      const rows: unknown[][] = [];
      for (const order of orders) for (let line = 1; line <= 23; line++) rows.push([order, line, `sku-${order}-${line}`, line % 5]);
      const writer = await session.openWriter(lines, { columns: ['order_id', 'line_no', 'sku', 'qty'], mode: 'append' });
      await writer.write(rows.slice().reverse());
      await writer.close();
      expect(await session.keyBounds(lines, 'order_id')).toEqual({ min: orders[0], max: orders[orders.length - 1] });
      const split = [rows[30]!.slice(0, 2), rows[101]!.slice(0, 2)];
      const ranges: [unknown[] | null, unknown[] | null][] = [[null, split[0]!], [split[0]!, split[1]!], [split[1]!, null]];
      const seen: unknown[][][] = [];
      for (const [after, until] of ranges) {
        const part: unknown[][] = [];
        for await (const batch of session.read(lines, { key, after, until, batchSize: 11 })) part.push(...batch.rows);
        seen.push(part);
      }
      expect(seen.map((p) => p.length)).toEqual([31, 71, rows.length - 102]);
      expect(seen.flat()).toEqual(rows);
      // countRows counts what a read of the same range returns (a copy's verification counts with it).
      expect(session.countRows).toBeDefined();
      expect(await session.countRows!(lines)).toBe(rows.length);
      expect(await Promise.all(ranges.map(([after, until]) => session.countRows!(lines, { key, after, until })))).toEqual(seen.map((p) => p.length));
      await expect(session.countRows!(lines, { key, after: [orders[1]], until: null })).rejects.toThrow(/1 values for key/);
      const empty = [];
      for await (const batch of session.read(lines, { key, after: split[1], until: split[0] })) empty.push(...batch.rows);
      expect(empty).toEqual([]);
    },
  },
  {
    name: 'read in parts (`partBytes`): the parts of a page add up to it, each resumable; a read stopped or aborted mid-page frees its connection',
    makesTables: true,
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session({ maxConnections: 1 }); // a connection left mid-result would block every later read
      const lines = await pairKeyTable(ctx, session, schema);
      const rows: unknown[][] = [];
      for (let order = 1; order <= 30; order++) for (let line = 1; line <= 40; line++) rows.push([String(order), line, `sku-${order}-${line}`, line % 7]);
      const writer = await session.openWriter(lines, { columns: ['order_id', 'line_no', 'sku', 'qty'], mode: 'append' });
      await writer.write(rows);
      await writer.close();
      const key = ['order_id', 'line_no'];
      const whole = await readAll(session, lines, key, 10_000);
      expect(whole.length).toBe(rows.length);
      const batches: RowBatch[] = [];
      for await (const batch of session.read(lines, { key, batchSize: 300, partBytes: 400 })) batches.push(batch);
      expect(batches.flatMap((b) => b.rows)).toEqual(whole);
      for (const b of batches) expect(b.last).toEqual(b.rows[b.rows.length - 1]!.slice(0, 2));
      // Pages of 300 rows, however many parts each came in (a reader may ignore partBytes: one part a page).
      const pages: number[] = [];
      let inPage = 0;
      for (const b of batches) {
        inPage += b.rows.length;
        if (!b.more) pages.push(inPage), (inPage = 0);
      }
      expect({ pages, open: inPage }).toEqual({ pages: [300, 300, 300, 300], open: 0 });
      // Stopped mid-page, resumed from the last part taken: nothing lost or repeated.
      const first: unknown[][] = [];
      let after: unknown[] = [];
      for await (const batch of session.read(lines, { key, batchSize: 1000, partBytes: 400 })) {
        first.push(...batch.rows);
        after = batch.last;
        if (first.length >= 100) break;
      }
      const rest: unknown[][] = [];
      for await (const batch of session.read(lines, { key, after, batchSize: 1000, partBytes: 400 })) rest.push(...batch.rows);
      expect([...first, ...rest]).toEqual(whole);
      // Aborted mid-page: the read ends (or throws the abort) and the one connection serves the next read.
      const controller = new AbortController();
      await (async () => {
        for await (const _ of session.read(lines, { key, batchSize: 1000, partBytes: 400, signal: controller.signal })) controller.abort();
      })().catch(() => undefined);
      expect(await readAll(session, lines, key, 10_000)).toEqual(whole);
    },
  },
  {
    name: 'prepare, add, write later: the parts write as one batch with its checkpoint, all or nothing; upserts merge',
    makesTables: true,
    needs: ['atomicBatches'],
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      for (const highPerformance of [true, false]) {
        if (highPerformance && !ctx.plugin.capabilities.highPerformanceWriting) continue;
        const table = { schema, name: highPerformance ? 'prepared_bulk' : 'prepared_plain' };
        await makeTable(ctx, session, table, idValue(false), (q) => `CREATE TABLE ${ctx.q(table)} (${q('id')} INT PRIMARY KEY, ${q('v')} VARCHAR(10))`);
        const append = await session.openWriter(table, { columns: ['id', 'v'], mode: 'append', highPerformance });
        if (!append.prepare) return; // optional: writers without it are written through `write` only
        const prepared = append.prepare([[1, 'a\tb'], [2, null]]);
        prepared.add([[3, 'ü\n']]);
        expect(prepared.rows).toBe(3);
        expect(await ctx.count(table)).toBe(0);
        expect(await prepared.write({ stream: 'p', state: 'one' })).toBe(3);
        expect(await session.readCheckpoint(table, 'p')).toBe('one');
        // A part that cannot be written (a duplicate key) fails the whole batch and its checkpoint.
        const failing = append.prepare([[4, 'd']]);
        failing.add([[1, 'again']]);
        await expect(failing.write({ stream: 'p', state: 'two' })).rejects.toThrow();
        expect(await session.readCheckpoint(table, 'p')).toBe('one');
        await append.close();
        if (ctx.plugin.capabilities.idempotentWriting) {
          const upsert = await session.openWriter(table, { columns: ['id', 'v'], mode: 'upsert', key: ['id'], highPerformance });
          const merged = upsert.prepare!([[2, 'two'], [5, 'e'], [2, 'two, last']]);
          merged.add([[6, 'f']]);
          expect(await merged.write()).toBe(3);
          await upsert.close();
        }
        const expected = ctx.plugin.capabilities.idempotentWriting
          ? [[1, 'a\tb'], [2, 'two, last'], [3, 'ü\n'], [5, 'e'], [6, 'f']]
          : [[1, 'a\tb'], [2, null], [3, 'ü\n']];
        expect({ path: highPerformance ? 'bulk' : 'plain', rows: await readAll(session, table, ['id']) }).toEqual({ path: highPerformance ? 'bulk' : 'plain', rows: expected });
      }
    },
  },
  {
    name: 'a batch is written whole or not at all',
    makesTables: true,
    needs: ['atomicBatches'],
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      const table = { schema, name: 'atomic' };
      await makeTable(ctx, session, table, idValue(true), (q) => `CREATE TABLE ${ctx.q(table)} (${q('id')} INT PRIMARY KEY, ${q('v')} VARCHAR(10) NOT NULL)`);
      for (const highPerformance of [true, false]) {
        const writer = await session.openWriter(table, { columns: ['id', 'v'], mode: 'append', highPerformance });
        await expect(writer.write([[1, 'a'], [2, null], [3, 'c']])).rejects.toThrow();
        await writer.close();
        expect(await ctx.count(table)).toBe(0);
      }
    },
  },
  {
    name: 'a batch commits with its checkpoint; fenced, only from the expected state (a stale attempt rolls back whole)',
    makesTables: true,
    needs: ['atomicBatches'],
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      const table = { schema, name: 'fenced' };
      await makeTable(ctx, session, table, idValue(true), (q) => `CREATE TABLE ${ctx.q(table)} (${q('id')} INT PRIMARY KEY, ${q('v')} VARCHAR(10) NOT NULL)`);
      const writer = await session.openWriter(table, { columns: ['id', 'v'], mode: 'append', highPerformance: true });
      try {
        await writer.write([[1, 'a']], { stream: 's', state: 'one' });
        expect(await session.readCheckpoint(table, 's')).toBe('one');
        expect(await ctx.count(table)).toBe(1);
        if (!ctx.plugin.checkpointFencing) return;
        await writer.write([[2, 'b']], { stream: 's', state: 'two', expected: 'one' });
        // A stale attempt still continuing from 'one': nothing of its batch commits.
        await expect(writer.write([[3, 'c']], { stream: 's', state: 'two-again', expected: 'one' })).rejects.toThrow(/moved/);
        expect(await session.readCheckpoint(table, 's')).toBe('two');
        expect(await ctx.count(table)).toBe(2);
        // No state row yet: only the first of two attempts inserts it.
        await writer.write([[4, 'd']], { stream: 'fresh', state: 'f1', expected: null });
        await expect(writer.write([[5, 'e']], { stream: 'fresh', state: 'f1-again', expected: null })).rejects.toThrow(/moved/);
        // Two attempts at once from the same state, on two sessions: exactly one commits.
        const other = await ctx.session();
        const otherWriter = await other.openWriter(table, { columns: ['id', 'v'], mode: 'append', highPerformance: false });
        try {
          const outcomes = await Promise.allSettled([
            writer.write([[6, 'f']], { stream: 's', state: 'three-a', expected: 'two' }),
            otherWriter.write([[7, 'g']], { stream: 's', state: 'three-b', expected: 'two' }),
          ]);
          expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
          expect(await ctx.count(table)).toBe(4);
          expect(['three-a', 'three-b']).toContain(await session.readCheckpoint(table, 's'));
        } finally {
          await otherWriter.close();
        }
      } finally {
        await writer.close();
      }
    },
  },
  {
    name: 'a batch the destination does not take whole fails, named, on every write path; nothing of it stays',
    makesTables: true,
    needs: ['atomicBatches', 'droppingTrigger'],
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      const table = { schema, name: 'dropping' };
      await makeTable(ctx, session, table, idValue(false), (q) => `CREATE TABLE ${ctx.q(table)} (${q('id')} INT PRIMARY KEY, ${q('v')} VARCHAR(10))`);
      for (const ddl of ctx.droppingTriggerDdl(schema, 'dropping')) await ctx.sql.exec(ddl);
      const modes: ('append' | 'upsert')[] = ctx.plugin.capabilities.idempotentWriting ? ['append', 'upsert'] : ['append'];
      const shortCounts: string[] = [];
      for (const mode of modes) {
        for (const highPerformance of [true, false]) {
          const path = `${mode}, ${highPerformance ? 'bulk' : 'plain'}`;
          const writer = await session.openWriter(table, { columns: ['id', 'v'], mode, key: ['id'], highPerformance });
          const outcome = await writer.write([[1, 'a'], [2, 'b'], [3, 'c']]).then(
            (n) => ({ wrote: n }),
            (err: Error) => ({ failed: err.message }),
          );
          await writer.close();
          const rows = await ctx.count(table);
          // Never a batch counted as written while a row of it is missing: it fails and nothing of it
          // stays, or (a path the trigger does not fire on, such as a bulk load) every row is there.
          if ('failed' in outcome) expect({ path, rows }).toEqual({ path, rows: 0 });
          else expect({ path, ...outcome, rows }).toEqual({ path, wrote: 3, rows: 3 });
          if ('failed' in outcome && new RegExp(`into ${schema}\\.dropping took 2 of 3 rows`).test(outcome.failed)) shortCounts.push(path);
          if (rows) await ctx.sql.exec(`DELETE FROM ${ctx.q(table)}`);
        }
      }
      // The append path with the trigger firing fails by its count, named.
      expect(shortCounts).toContain('append, plain');
    },
  },
  {
    name: 'upsert: idempotent by key, last duplicate in a batch wins, refused without a key',
    makesTables: true,
    async run(ctx) {
      if (!ctx.plugin.capabilities.idempotentWriting) return;
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      const table = { schema, name: 'upserts' };
      await makeTable(ctx, session, table, idValue(false), (q) => `CREATE TABLE ${ctx.q(table)} (${q('id')} INT PRIMARY KEY, ${q('v')} VARCHAR(10))`);
      for (const highPerformance of [true, false]) {
        const writer = await session.openWriter(table, { columns: ['id', 'v'], mode: 'upsert', key: ['id'], highPerformance });
        await writer.write([[1, 'a'], [2, 'b']]);
        await writer.write([[1, 'a'], [2, 'b']]);
        await writer.write([[2, 'old'], [3, 'c'], [2, 'new']]);
        await writer.close();
        expect(await readAll(session, table, ['id'])).toEqual([[1, 'a'], [2, 'new'], [3, 'c']]);
      }
      await expect(session.openWriter(table, { columns: ['id', 'v'], mode: 'upsert' }).then((w) => w.write([[9, 'x']]))).rejects.toThrow(/key/i);
    },
  },
  {
    name: 'DATA_TRUNCATION: truncate empties the table',
    capability: 'DATA_TRUNCATION',
    makesTables: true,
    async run(ctx) {
      if (!ctx.hasSql) {
        // Without SQL: no known schema (its foreign keys); a keyed table of the same shape as order_lines.
        const schema = await ctx.scratchSchema();
        const session = await ctx.session();
        const lines = await pairKeyTable(ctx, session, schema);
        const writer = await session.openWriter(lines, { columns: ['order_id', 'line_no', 'sku', 'qty'], mode: 'append' });
        await writer.write([['1', 1, 'a', 1], ['1', 2, 'b', 2]]);
        await writer.close();
        expect(await ctx.count(lines)).toBe(2);
        await session.truncate!(lines);
        expect(await ctx.count(lines)).toBe(0);
        return;
      }
      const { schema, session } = await knownSchema(ctx);
      const lines = { schema, name: 'order_lines' };
      await ctx.sql.exec(`INSERT INTO ${ctx.q({ schema, name: 'customers' })} (email, created_at) VALUES ('a@x', '2024-01-01 00:00:00')`);
      const orders = await session.openWriter({ schema, name: 'orders' }, { columns: ['id', 'customer_id', 'total'], mode: 'append' });
      const [customer] = await readAll(session, { schema, name: 'customers' }, ['id']);
      await orders.write([['1', customer![0], '1.00']]);
      await orders.close();
      const writer = await session.openWriter(lines, { columns: ['order_id', 'line_no', 'sku', 'qty'], mode: 'append' });
      await writer.write([['1', 1, 'a', 1], ['1', 2, 'b', 2]]);
      await writer.close();
      await session.truncate!(lines);
      expect(await ctx.count(lines)).toBe(0);
    },
  },
  {
    name: 'DATA_DELETION: deleteRows removes exactly the given keys',
    capability: 'DATA_DELETION',
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      const table = { schema, name: 'deletions' };
      await session.createTable!(table, simpleTable());
      const writer = await session.openWriter(table, { columns: ['id', 'c'], mode: 'append' });
      await writer.write(Array.from({ length: 20 }, (_, i) => [i + 1, `v${i + 1}`]));
      await writer.close();
      expect(await session.deleteRows!(table, ['id'], [[3], [5], [99]])).toBe(2);
      const ids = (await readAll(session, table, ['id'])).map((r) => r[0]);
      expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i + 1).filter((i) => i !== 3 && i !== 5));
    },
  },
  {
    name: 'SCHEMA_MANAGEMENT: createTable makes what introspection reads back; dropTable removes it',
    capability: 'SCHEMA_MANAGEMENT',
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      const table = { schema, name: 'made' };
      await session.createTable!(table, {
        columns: [
          { name: 'id', type: { kind: 'int64' }, nullable: false, identity: true },
          { name: 'code', type: { kind: 'text', maxLength: 20 }, nullable: false },
          { name: 'amount', type: { kind: 'decimal', precision: 12, scale: 2 }, nullable: true },
        ],
        primaryKey: ['id'],
        uniqueConstraints: [{ name: 'made_code_key', columns: ['code'] }],
      });
      const [made] = await session.introspect(schema);
      expect(made!.columns.map((c) => [c.name, c.type, c.nullable, c.identity])).toEqual([
        ['id', { kind: 'int64' }, false, true],
        ['code', { kind: 'text', maxLength: 20 }, false, false],
        ['amount', { kind: 'decimal', precision: 12, scale: 2 }, true, false],
      ]);
      expect(made!.primaryKey).toEqual(['id']);
      expect(made!.uniqueConstraints.map((u) => u.columns)).toEqual([['code']]);
      await session.dropTable!(table);
      expect(await session.introspect(schema)).toEqual([]);
    },
  },
  {
    name: 'SCHEMA_MANAGEMENT: a missing schema is made (twice at once is fine) and takes tables',
    capability: 'SCHEMA_MANAGEMENT',
    needs: ['schemaCreation'],
    async run(ctx) {
      const schema = ctx.scratchSchemaName();
      const [session, other] = [await ctx.session(), await ctx.session()];
      // Two jobs creating tables in the same new schema at the same moment: neither fails.
      await Promise.all([session.createSchema?.(schema), other.createSchema?.(schema)]);
      await session.createSchema?.(schema);
      await session.createTable!({ schema, name: 'made_here' }, simpleTable());
      expect((await session.introspect(schema)).map((t) => t.name)).toEqual(['made_here']);
    },
  },
  {
    name: 'IDENTITY_WRITING: explicit identity values are kept and the generator moves past them',
    capability: 'IDENTITY_WRITING',
    needsSql: 'the known schema (identity column) and an insert bypassing the connector',
    async run(ctx) {
      const { schema, session } = await knownSchema(ctx);
      const customers = { schema, name: 'customers' };
      const writer = await session.openWriter(customers, { columns: ['id', 'email', 'created_at'], mode: 'append', identityInsert: true });
      await writer.write([['1000', 'a@x', '2024-01-01T00:00:00Z'], ['1001', 'b@x', '2024-01-01T00:00:00Z']]);
      await writer.close();
      await ctx.sql.exec(`INSERT INTO ${ctx.q(customers)} (email, created_at) VALUES ('c@x', '2024-01-01 00:00:00')`);
      const ids = (await readAll(session, customers, ['id'])).map((r) => Number(r[0]));
      expect(ids.slice(0, 2)).toEqual([1000, 1001]);
      expect(ids[2]).toBeGreaterThan(1001);
    },
  },
  {
    name: 'TRIGGER_MANAGEMENT: disabled triggers do not fire, enabled ones do',
    capability: 'TRIGGER_MANAGEMENT',
    needsSql: 'the fixture trigger DDL',
    async run(ctx) {
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      const table = { schema, name: 'guarded' };
      const audit = { schema, name: 'audit' };
      await session.createTable!(table, simpleTable());
      await session.createTable!(audit, { columns: [{ name: 'n', type: { kind: 'int32' }, nullable: true }], primaryKey: null });
      for (const ddl of ctx.triggerDdl(schema, 'guarded')) await ctx.sql.exec(ddl);
      await session.setTriggersEnabled!(table, false);
      for (const highPerformance of [true, false]) {
        const writer = await session.openWriter(table, { columns: ['id', 'c'], mode: 'append', highPerformance });
        await writer.write([[highPerformance ? 1 : 2, 'quiet']]);
        await writer.close();
      }
      expect(await ctx.count(audit)).toBe(0);
      await session.setTriggersEnabled!(table, true);
      const writer = await session.openWriter(table, { columns: ['id', 'c'], mode: 'append' });
      await writer.write([[3, 'loud']]);
      await writer.close();
      expect(await ctx.count(audit)).toBe(1);
    },
  },
  {
    name: 'FOREIGN_KEY_MANAGEMENT: foreign keys dropped for a load come back as they were',
    capability: 'FOREIGN_KEY_MANAGEMENT',
    needsSql: 'the known schema (foreign keys) and a delete bypassing the connector',
    async run(ctx) {
      const { schema, session } = await knownSchema(ctx);
      const orders = { schema, name: 'orders' };
      const before = byName(await session.introspect(schema), 'orders').foreignKeys;
      const dropped = await session.dropForeignKeys!(orders);
      expect(dropped.map((f) => f.name)).toEqual(['orders_customer_fk']);
      // Without the key an orphan row loads; it must go before the key returns.
      const writer = await session.openWriter(orders, { columns: ['id', 'customer_id', 'total'], mode: 'append' });
      await writer.write([['1', '424242', '9.99']]);
      await writer.close();
      await ctx.sql.exec(`DELETE FROM ${ctx.q(orders)}`);
      await session.restoreForeignKeys!(orders, dropped);
      expect(byName(await session.introspect(schema), 'orders').foreignKeys).toEqual(before);
    },
  },
  {
    name: 'INDEX_MANAGEMENT: secondary indexes dropped for a load come back as they were',
    capability: 'INDEX_MANAGEMENT',
    needsSql: 'the known schema (a secondary index, which createTable does not make)',
    async run(ctx) {
      const { schema, session } = await knownSchema(ctx);
      const orders = { schema, name: 'orders' };
      const before = byName(await session.introspect(schema), 'orders').indexes;
      const dropped = await session.dropIndexes!(orders);
      expect(dropped.map((i) => i.name)).toContain('orders_customer_idx');
      expect(dropped.every((i) => !i.unique)).toBe(true);
      const during = byName(await session.introspect(schema), 'orders').indexes.map((i) => i.name);
      expect(during).not.toContain('orders_customer_idx');
      await session.restoreIndexes!(orders, dropped);
      const after = byName(await session.introspect(schema), 'orders').indexes;
      expect(after.map((i) => [i.name, i.columns, i.unique]).sort()).toEqual(before.map((i) => [i.name, i.columns, i.unique]).sort());
    },
  },
  {
    name: 'UNIQUE_CONSTRAINT_MANAGEMENT: unique constraints dropped for a load come back as they were',
    capability: 'UNIQUE_CONSTRAINT_MANAGEMENT',
    makesTables: true,
    async run(ctx) {
      let schema: string;
      let session: ConnectorSession;
      if (ctx.hasSql) ({ schema, session } = await knownSchema(ctx));
      else {
        // Without SQL: the known schema's customers table (without its identity) through createTable.
        schema = await ctx.scratchSchema();
        session = await ctx.session();
        await session.createTable!({ schema, name: 'customers' }, {
          columns: [
            { name: 'id', type: { kind: 'int64' }, nullable: false },
            { name: 'email', type: { kind: 'text', maxLength: 200 }, nullable: false },
            { name: 'name', type: { kind: 'text', maxLength: 100 }, nullable: true },
            { name: 'created_at', type: { kind: 'timestamptz' }, nullable: false },
          ],
          primaryKey: ['id'],
          uniqueConstraints: [{ name: 'customers_email_key', columns: ['email'] }],
        });
      }
      const customers = { schema, name: 'customers' };
      const dropped = await session.dropUniqueConstraints!(customers);
      expect(dropped).toEqual([{ name: 'customers_email_key', columns: ['email'] }]);
      expect(byName(await session.introspect(schema), 'customers').uniqueConstraints).toEqual([]);
      await session.restoreUniqueConstraints!(customers, dropped);
      expect(byName(await session.introspect(schema), 'customers').uniqueConstraints).toEqual(dropped);
    },
  },
  {
    name: 'adversarial identifiers neither break nor inject',
    capability: 'SCHEMA_MANAGEMENT',
    async run(ctx) {
      // Characters the engine forbids in any identifier are left out (they are refused, not escaped).
      const legal = (name: string) => [...(ctx.fixture.identifierForbids ?? '')].reduce((n, ch) => n.split(ch).join(''), name);
      const schemaForbids = ctx.fixture.schemaNameForbids;
      const schemaLegal = (name: string) => (schemaForbids ? legal(name).replace(new RegExp(schemaForbids.source, 'gu'), '') : legal(name));
      const schema = await ctx.scratchSchema(schemaLegal(` "we'ird\`; Schéma`));
      const session = await ctx.session();
      const sentinel = { schema, name: 'sentinel' };
      await session.createTable!(sentinel, simpleTable());
      // MySQL/MariaDB identifiers hold only the Basic Multilingual Plane: no 4-byte characters in names (data has them).
      const names = [`x"; DROP TABLE sentinel; --`, 'back`tick', 'sp ace', 'semi;colon', 'MixedCase', 'select', 'ünïcødé ✓ 名前', `it's`].map(legal);
      const table = { schema, name: legal(`T "ab\`le'; DROP TABLE sentinel; --`) };
      await session.createTable!(table, {
        columns: [{ name: 'id', type: { kind: 'int32' }, nullable: false }, ...names.map((n) => ({ name: n, type: { kind: 'text' as const, maxLength: 50 }, nullable: true }))],
        primaryKey: ['id'],
      });
      const columns = ['id', ...names];
      for (const [i, highPerformance] of [true, false].entries()) {
        const writer = await session.openWriter(table, { columns, mode: 'append', highPerformance });
        await writer.write([[i + 1, ...names]]);
        await writer.close();
      }
      if (ctx.plugin.capabilities.idempotentWriting) {
        const writer = await session.openWriter(table, { columns, mode: 'upsert', key: ['id'] });
        await writer.write([[1, ...names.map((n) => n + '!')]]);
        await writer.close();
      }
      const tables = await session.introspect(schema);
      expect(tables.map((t) => t.name).sort()).toEqual([table.name, 'sentinel'].sort());
      expect(byName(tables, table.name).columns.map((c) => c.name)).toEqual(columns);
      const rows = await readAll(session, table, ['id']);
      expect(rows[1]).toEqual([2, ...names]);
      if (ctx.plugin.capabilities.idempotentWriting) expect(rows[0]).toEqual([1, ...names.map((n) => n + '!')]);
      expect(await ctx.count(sentinel)).toBe(0); // still there
    },
  },
  {
    name: 'sessions release every connection, also after a read abandoned midway',
    makesTables: true,
    async run(ctx) {
      await ctx.closeSessions();
      const schema = await ctx.scratchSchema();
      const session = await ctx.session();
      const lines = await pairKeyTable(ctx, session, schema);
      const writer = await session.openWriter(lines, { columns: ['order_id', 'line_no', 'sku', 'qty'], mode: 'append' });
      await writer.write(Array.from({ length: 500 }, (_, i) => ['1', i + 1, 's', 1]));
      await writer.close();
      for await (const batch of session.read(lines, { key: ['order_id', 'line_no'], batchSize: 10 })) {
        expect(batch.rows.length).toBe(10);
        break;
      }
      await ctx.closeSessions();
      let open = await ctx.admin.openConnectionCount();
      for (let i = 0; i < 20 && open > ctx.baselineConnections; i++) {
        await new Promise((r) => setTimeout(r, 100));
        open = await ctx.admin.openConnectionCount();
      }
      expect(open).toBe(ctx.baselineConnections);
    },
  },
  {
    name: 'invalid config is refused naming the field; open() of a wrong password fails non-retryably',
    needs: ['authentication'],
    async run(ctx) {
      await expect(ctx.plugin.open({ ...configFor(ctx.fixture, ctx.fixture.url!), password: 'Tk-N0pe' })).rejects.toMatchObject({
        code: 'AUTHENTICATION_FAILED',
        retryable: false,
      });
    },
  },
];
