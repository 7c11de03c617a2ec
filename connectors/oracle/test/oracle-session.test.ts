import oracledb from 'oracledb';
import { OracleSession, classifyOracleError, quoteIdent } from '@sluice/connector-oracle';
import type { ConnectorSession } from '@sluice/connector-sdk';

/*
 * The session's operations over a scripted connection: the statements,
 * binds, bind definitions and transaction boundaries they produce, and how
 * they decode what the driver hands back. (The contract suite runs the same
 * operations against a real server when ORACLE_URL is set.)
 */

type Call = { fn: string; sql?: string; binds?: unknown; options?: any };
type Col = { name: string; type: string; precision?: number; scale?: number; length?: number; charLength?: number; nullable?: boolean; identity?: 'BY DEFAULT' | 'ALWAYS'; virtual?: boolean };

function columnRows(table: string, cols: Col[]) {
  return cols.map((c, i) => ({
    TABLE_NAME: table, COLUMN_NAME: c.name, DATA_TYPE: c.type, DATA_TYPE_OWNER: null, DATA_LENGTH: c.length ?? null,
    DATA_PRECISION: c.precision ?? null, DATA_SCALE: c.scale ?? (c.type === 'NUMBER' ? 0 : null), CHAR_LENGTH: c.charLength ?? null,
    CHAR_USED: c.charLength ? 'C' : null, NULLABLE: c.nullable === false ? 'N' : 'Y', COLUMN_ID: i + 1, DATA_DEFAULT: null,
    VIRTUAL_COLUMN: c.virtual ? 'YES' : 'NO', IDENTITY_COLUMN: c.identity ? 'YES' : 'NO', DEFAULT_ON_NULL: 'NO', GENERATION_TYPE: c.identity ?? null,
  }));
}

function fake(script: { columns?: Col[]; checks?: { column: string; condition: string }[]; pages?: unknown[][][]; failOn?: RegExp; catalog?: Record<string, any[]> }) {
  const calls: Call[] = [];
  const pages = [...(script.pages ?? [])];
  const connection = {
    oracleServerVersionString: '23.4.0.24.5',
    async execute(sql: string, binds?: unknown, options?: any) {
      calls.push({ fn: 'execute', sql, binds, options });
      if (script.failOn?.test(sql)) throw Object.assign(new Error('ORA-00942: table or view does not exist'), { code: 'ORA-00942', errorNum: 942 });
      if (/FROM ALL_TAB_COLS/.test(sql)) return { rows: columnRows('t', script.columns ?? []) };
      if (/FROM ALL_CONSTRAINTS c/.test(sql)) {
        return { rows: script.catalog?.constraints ?? (script.checks ?? []).map((k) => ({ TABLE_NAME: 't', CONSTRAINT_NAME: `SYS_C${k.column}`, CONSTRAINT_TYPE: 'C', SEARCH_CONDITION_VC: k.condition })) };
      }
      for (const [pattern, key] of [[/FROM ALL_TABLES t/, 'tables'], [/FROM ALL_INDEXES i/, 'indexes'], [/FROM ALL_IND_EXPRESSIONS/, 'expressions']] as const) {
        if (pattern.test(sql)) return { rows: script.catalog?.[key] ?? [] };
      }
      if (/^SELECT .* AS C0/.test(sql)) return { rows: pages.shift() ?? [] };
      return { rows: [], rowsAffected: 0 };
    },
    async executeMany(sql: string, binds: unknown, options?: any) {
      calls.push({ fn: 'executeMany', sql, binds, options });
      if (script.failOn?.test(sql)) throw Object.assign(new Error('ORA-01400: cannot insert NULL into ("S"."t"."v")'), { code: 'ORA-01400', errorNum: 1400 });
      return { rowsAffected: Array.isArray(binds) ? binds.length : Number(binds) };
    },
    async commit() {
      calls.push({ fn: 'commit' });
    },
    async rollback() {
      calls.push({ fn: 'rollback' });
    },
  } as unknown as oracledb.Connection;
  const withConnection = async <T>(fn: (c: oracledb.Connection) => Promise<T>) => {
    try {
      return await fn(connection);
    } catch (err) {
      throw classifyOracleError(err);
    }
  };
  const ctx = {
    secrets: [], includeViews: false, version: '23.4.0.24.5', quoteIdent,
    table: (r: { schema: string; name: string }) => `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`,
    query: (sql: string, binds: unknown = []) => withConnection(async (c) => (await c.execute<any>(sql, binds as any, { outFormat: oracledb.OUT_FORMAT_OBJECT })).rows ?? []),
    withConnection,
    transaction: <T>(fn: (c: oracledb.Connection) => Promise<T>) =>
      withConnection(async (c) => {
        try {
          const out = await fn(c);
          await c.commit();
          return out;
        } catch (err) {
          await c.rollback();
          throw err;
        }
      }),
    error: (err: unknown) => classifyOracleError(err),
    stateTables: new Map<string, Promise<void>>(),
  };
  const session: ConnectorSession = new OracleSession(ctx as any, { close: async () => undefined } as any, 'S', 'FREEPDB1');
  return { session, calls, ctx };
}

const T = { schema: 'S', name: 't' };
const writes = (calls: Call[]) => calls.filter((c) => c.fn === 'executeMany' || c.fn === 'commit' || c.fn === 'rollback' || /^(DELETE|INSERT|MERGE|CREATE)/.test(c.sql ?? ''));

test('append: array DML in one transaction with its checkpoint; empty LOBs get EMPTY_CLOB()/EMPTY_BLOB(); values bound exactly', async () => {
  const { session, calls } = fake({
    columns: [
      { name: 'id', type: 'NUMBER', precision: 19 },
      { name: 'body', type: 'CLOB' },
      { name: 'bin', type: 'BLOB' },
      { name: 'amount', type: 'NUMBER', precision: 30, scale: 10 },
      { name: 'at', type: 'TIMESTAMP(6) WITH TIME ZONE' },
      { name: 'flag', type: 'NUMBER', precision: 1 },
    ],
    checks: [{ column: 'flag', condition: '"flag" IN (0, 1)' }],
  });
  const writer = await session.openWriter(T, { columns: ['id', 'body', 'bin', 'amount', 'at', 'flag'], mode: 'append', highPerformance: true });
  const n = await writer.write(
    [
      ['9223372036854775807', 'x'.repeat(70_000), Buffer.from([0, 1]), '-12345678901234567890.1234567890', '2024-02-29T12:00:00.5Z', true],
      ['2', '', Buffer.alloc(0), null, null, false],
      ['3', null, null, '0.0000000001', '1970-01-01T00:00:01Z', null],
    ],
    { stream: 's1', state: '{"after":[3]}' },
  );
  expect(n).toBe(3);
  const w = writes(calls);
  expect(w.map((c) => c.fn === 'executeMany' ? `many: ${c.sql}` : c.fn === 'execute' ? c.sql!.split(' (')[0] : c.fn)).toEqual([
    'CREATE TABLE "S"."_sluice_state"',
    `many: INSERT INTO "S"."t" ("id", "body", "bin", "amount", "at", "flag") VALUES (:1, :2, :3, TO_NUMBER(:4), TO_TIMESTAMP_TZ(:5, 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'), :6)`,
    `many: INSERT INTO "S"."t" ("id", "body", "bin", "amount", "at", "flag") VALUES (:1, EMPTY_CLOB(), EMPTY_BLOB(), TO_NUMBER(:2), TO_TIMESTAMP_TZ(:3, 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'), :4)`,
    'DELETE FROM "S"."_sluice_state" WHERE "table_name" = :1 AND "stream" = :2',
    'INSERT INTO "S"."_sluice_state"',
    'commit',
  ]);
  const first = w[1]!;
  expect(first.binds).toEqual([
    [9223372036854775807n, 'x'.repeat(70_000), Buffer.from([0, 1]), '-12345678901234567890.1234567890', '2024-02-29 12:00:00.500000000 +00:00', 1],
    [3n, null, null, '0.0000000001', '1970-01-01 00:00:01.000000000 +00:00', null],
  ]);
  expect(first.options).toEqual({
    autoCommit: false,
    bindDefs: [
      { type: oracledb.DB_TYPE_NUMBER },
      { type: oracledb.DB_TYPE_VARCHAR, maxSize: 70_000 },
      { type: oracledb.DB_TYPE_RAW, maxSize: 32768 },
      { type: oracledb.DB_TYPE_VARCHAR, maxSize: 32 },
      { type: oracledb.DB_TYPE_VARCHAR, maxSize: 36 },
      { type: oracledb.DB_TYPE_NUMBER },
    ],
  });
  expect(w[2]!.binds).toEqual([[2n, null, null, 0]]);
});

test('a failed batch rolls back (with its checkpoint): all rows or none', async () => {
  const { session, calls } = fake({ columns: [{ name: 'id', type: 'NUMBER', precision: 10 }, { name: 'v', type: 'VARCHAR2', charLength: 10 }], failOn: /^INSERT INTO "S"."t"/ });
  const writer = await session.openWriter(T, { columns: ['id', 'v'], mode: 'append' });
  await expect(writer.write([[1, 'a'], [2, null]])).rejects.toMatchObject({ code: 'DRIVER_ERROR', retryable: false });
  expect(writes(calls).map((c) => c.fn)).toEqual(['executeMany', 'rollback']);
});

test('upsert: MERGE per row of array DML on the key, last duplicate wins, LOBs bound as LOBs; refused without a key', async () => {
  const { session, calls } = fake({ columns: [{ name: 'id', type: 'NUMBER', precision: 10 }, { name: 'doc', type: 'CLOB' }], checks: [{ column: 'doc', condition: '"doc" IS JSON' }] });
  const writer = await session.openWriter(T, { columns: ['id', 'doc'], mode: 'upsert', key: ['id'] });
  expect(await writer.write([[2, { v: 'old' }], [3, [1]], [2, { v: 'new' }]])).toBe(2);
  const [merge] = writes(calls);
  expect(merge!.sql).toBe('MERGE INTO "S"."t" d USING (SELECT :1 AS S0, :2 AS S1 FROM DUAL) s ON (d."id" = s.S0) WHEN MATCHED THEN UPDATE SET d."doc" = s.S1 WHEN NOT MATCHED THEN INSERT ("id", "doc") VALUES (s.S0, s.S1)');
  expect(merge!.binds).toEqual([[3, '[1]'], [2, '{"v":"new"}']]);
  expect(merge!.options.bindDefs).toEqual([{ type: oracledb.DB_TYPE_NUMBER }, { type: oracledb.DB_TYPE_CLOB }]);
  await expect(session.openWriter(T, { columns: ['id', 'doc'], mode: 'upsert' })).rejects.toThrow(/needs a key/);
});

test('identity columns: refused without identityInsert, GENERATED ALWAYS refused, generator moved past written values on close', async () => {
  const { session, calls } = fake({ columns: [{ name: 'id', type: 'NUMBER', precision: 19, identity: 'BY DEFAULT', nullable: false }, { name: 'v', type: 'VARCHAR2', charLength: 10 }] });
  await expect(session.openWriter(T, { columns: ['id', 'v'], mode: 'append' })).rejects.toThrow(/identity column: leave it out of the columns, or pass --identity-insert \(API: identityInsert: true\)/);
  const writer = await session.openWriter(T, { columns: ['id', 'v'], mode: 'append', identityInsert: true });
  await writer.write([['1000', 'a']]);
  await writer.close();
  expect(calls.at(-1)!.sql).toBe('ALTER TABLE "S"."t" MODIFY ("id" GENERATED BY DEFAULT AS IDENTITY (START WITH LIMIT VALUE))');
  const always = fake({ columns: [{ name: 'id', type: 'NUMBER', precision: 19, identity: 'ALWAYS' }] });
  await expect(always.session.openWriter(T, { columns: ['id'], mode: 'append', identityInsert: true })).rejects.toThrow(/GENERATED ALWAYS/);
  const virtual = fake({ columns: [{ name: 'x', type: 'NUMBER', virtual: true }] });
  await expect(virtual.session.openWriter(T, { columns: ['x'], mode: 'append' })).rejects.toThrow(/virtual column/);
});

test('read: keyset pages with FETCH FIRST, bounds and `since` bound through the column types, canonical values decoded', async () => {
  const { session, calls } = fake({
    columns: [{ name: 'order_id', type: 'NUMBER', precision: 19 }, { name: 'line_no', type: 'NUMBER', precision: 10 }, { name: 'note', type: 'CLOB' }, { name: 'at', type: 'DATE' }],
    checks: [{ column: 'at', condition: '"at" = TRUNC("at")' }],
    pages: [
      // note, at, order_id, line_no, then note's not-NULL flag
      [['a', '2024-01-01', '1', 1, 1], [null, null, '1', 2, 1]],
      [[null, '1000-01-01', '-.5', 3, 0]],
    ],
  });
  const batches = [];
  for await (const b of session.read(T, { key: ['order_id', 'line_no'], columns: ['note', 'at'], after: ['0', 9], until: ['9', 1], since: { column: 'at', value: '2000-01-01' }, batchSize: 2 })) batches.push(b);
  expect(batches).toEqual([
    { rows: [['a', '2024-01-01'], ['', null]], last: ['1', 2] },
    { rows: [[null, '1000-01-01']], last: ['-0.5', 3] },
  ]);
  const reads = calls.filter((c) => /AS C0/.test(c.sql ?? ''));
  expect(reads[0]!.sql).toBe(
    `SELECT "note" AS C0, TO_CHAR("at", 'YYYY-MM-DD') AS C1, "order_id" AS C2, "line_no" AS C3, CASE WHEN "note" IS NULL THEN 0 ELSE 1 END AS N0 FROM "S"."t" ` +
      `WHERE "at" > TO_DATE(:1, 'YYYY-MM-DD') AND ("order_id" > :2 OR ("order_id" = :3 AND "line_no" > :4)) AND ("order_id" < :5 OR ("order_id" = :6 AND "line_no" <= :7)) ` +
      `ORDER BY "order_id", "line_no" FETCH FIRST 2 ROWS ONLY`,
  );
  expect(reads[0]!.binds).toEqual(['2000-01-01', 0n, 0n, 9, 9n, 9n, 1]);
  expect(reads[1]!.binds).toEqual(['2000-01-01', 1n, 1n, 2, 9n, 9n, 1]);
  expect(reads[0]!.options).toMatchObject({ outFormat: oracledb.OUT_FORMAT_ARRAY, fetchInfo: { C0: { type: oracledb.STRING }, C2: { type: oracledb.STRING } } });
});

test('introspection assembles tables, CHECK-typed columns, keys, foreign keys and indexes from five catalog queries', async () => {
  const { session, calls } = fake({
    columns: [
      { name: 'id', type: 'NUMBER', precision: 19, identity: 'BY DEFAULT', nullable: false },
      { name: 'active', type: 'NUMBER', precision: 1 },
      { name: 'email', type: 'VARCHAR2', charLength: 200, nullable: false },
      { name: 'created_at', type: 'TIMESTAMP(6) WITH TIME ZONE', nullable: false },
    ],
    catalog: {
      tables: [{ NAME: 't', KIND: 'TABLE', NUM_ROWS: 42 }, { NAME: '_sluice_state', KIND: 'TABLE', NUM_ROWS: 1 }, { NAME: 'v', KIND: 'VIEW', NUM_ROWS: null }],
      constraints: [
        { TABLE_NAME: 't', CONSTRAINT_NAME: 'SYS_C1', CONSTRAINT_TYPE: 'P', COLUMN_NAME: 'id', POSITION: 1, INDEX_NAME: 'SYS_C1' },
        { TABLE_NAME: 't', CONSTRAINT_NAME: 'SYS_C2', CONSTRAINT_TYPE: 'C', SEARCH_CONDITION_VC: '"active" IN (0, 1)', COLUMN_NAME: 'active' },
        { TABLE_NAME: 't', CONSTRAINT_NAME: 'SYS_C3', CONSTRAINT_TYPE: 'C', SEARCH_CONDITION_VC: '"email" IS NOT NULL', COLUMN_NAME: 'email' },
        { TABLE_NAME: 't', CONSTRAINT_NAME: 't_email_key', CONSTRAINT_TYPE: 'U', COLUMN_NAME: 'email', POSITION: 1, INDEX_NAME: 't_email_key' },
        { TABLE_NAME: 't', CONSTRAINT_NAME: 't_parent_fk', CONSTRAINT_TYPE: 'R', DELETE_RULE: 'CASCADE', STATUS: 'ENABLED', COLUMN_NAME: 'id', POSITION: 1, R_OWNER: 'P', R_TABLE: 'parent', R_COLUMN: 'pid' },
      ],
      indexes: [{ TABLE_NAME: 't', INDEX_OWNER: 'S', INDEX_NAME: 'SYS_C1', UNIQUENESS: 'UNIQUE', INDEX_TYPE: 'NORMAL', COLUMN_NAME: 'id', COLUMN_POSITION: 1, DESCEND: 'ASC' }],
    },
  });
  const tables = await session.introspect('S');
  expect(calls.length).toBe(5);
  expect(tables).toEqual([
    {
      schema: 'S', name: 't', kind: 'table', rowEstimate: 42,
      columns: [
        { name: 'id', nativeType: 'NUMBER(19)', type: { kind: 'int64' }, nullable: false, identity: true, default: null },
        { name: 'active', nativeType: 'NUMBER(1)', type: { kind: 'bool' }, nullable: true, identity: false, default: null },
        { name: 'email', nativeType: 'VARCHAR2(200 CHAR)', type: { kind: 'text', maxLength: 200 }, nullable: false, identity: false, default: null },
        { name: 'created_at', nativeType: 'TIMESTAMP(6) WITH TIME ZONE', type: { kind: 'timestamptz' }, nullable: false, identity: false, default: null },
      ],
      primaryKey: ['id'],
      uniqueConstraints: [{ name: 't_email_key', columns: ['email'] }],
      foreignKeys: [{ name: 't_parent_fk', columns: ['id'], referencedSchema: 'P', referencedTable: 'parent', referencedColumns: ['pid'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' }],
      indexes: [{ name: 'SYS_C1', columns: ['id'], unique: true, definition: 'CREATE UNIQUE INDEX "S"."SYS_C1" ON "S"."t" ("id")' }],
    },
  ]);
  expect(calls.every((c) => (c.binds as Record<string, string>).owner === 'S')).toBe(true);
});

test('checkpoints: none before the state table exists; listDatabases names the configured database', async () => {
  const { session } = fake({ failOn: /_sluice_state/ });
  expect(await session.readCheckpoint(T, 's')).toBeNull();
  await session.writeCheckpoint(T, 's', null); // nothing to clear
  expect(await session.listDatabases()).toEqual(['FREEPDB1']);
  expect(session.defaultSchema).toBe('S');
});
