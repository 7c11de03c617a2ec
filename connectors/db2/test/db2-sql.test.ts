import {
  addForeignKeySql, assemble, chunkRows, columnsSql, createTableLikeSql, createTableSql, deleteSql, foreignKeysSql, indexesSql,
  insertSql, keysSql, keysetCondition, keyBoundsSql, listSchemasSql, markerExpr, mergeSql, originalIndexName, pageSql, quoteIdent,
  restartIdentitySql, selectExpr, stagingIndexName, stateTableSql, swapBlockersSql, tablesSql, toCanonical, truncateSql, upsertStateSql,
} from '@sluice/connector-db2';
import { ROUND_TRIP_COLUMNS } from '@sluice/connector-sdk/dist/testkit/values';
import type { TableDefinition, TableSchema } from '@sluice/connector-sdk';

// Adversarial identifiers: quotes, spaces, mixed case, reserved words, unicode, injection attempts.
const NAMES = [`x"; DROP TABLE sentinel; --`, 'back`tick', 'sp ace', 'semi;colon', 'MixedCase', 'select', 'ünïcødé ✓ 名前', `it's`, 'ORDER'];
const schema = ` "we'ird\`; Schéma`;
const table = { schema, name: `T "ab\`le'; DROP TABLE sentinel; --` };
const target = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;

test('quoteIdent doubles quotes and keeps everything else', () => {
  expect(quoteIdent('a"b')).toBe('"a""b"');
  expect(NAMES.map(quoteIdent)).toMatchSnapshot();
});

test('catalog queries: one per object kind for a whole schema, bound parameters only', () => {
  const all = { listSchemas: listSchemasSql(), tables: tablesSql(), columns: columnsSql(), keys: keysSql(), foreignKeys: foreignKeysSql(), indexes: indexesSql(), oneTableColumns: columnsSql(true) };
  expect(all).toMatchSnapshot();
  for (const sql of Object.values(all)) expect(sql).not.toMatch(/Schéma/);
});

test('createTable over every canonical type and adversarial names', () => {
  const def: TableDefinition = {
    columns: [
      { name: 'id', type: { kind: 'int64' }, nullable: false, identity: true },
      ...ROUND_TRIP_COLUMNS.map((c) => ({ name: c.name, type: c.type, nullable: true })),
      ...NAMES.map((n) => ({ name: n, type: { kind: 'text' as const, maxLength: 50 }, nullable: true })),
    ],
    primaryKey: ['id'],
    uniqueConstraints: [{ name: 'made_code_key', columns: ['c_text40'] }, { name: `u "q'`, columns: ['MixedCase'] }],
  };
  expect(createTableSql(quoteIdent, table, def)).toMatchSnapshot();
});

test('createTable: unbounded key text sized to the index key limit; unknown key columns and oversize keys refused', () => {
  const sql = createTableSql(quoteIdent, { schema: 'S', name: 't' }, {
    columns: [{ name: 'k', type: { kind: 'text' }, nullable: false }, { name: 'b', type: { kind: 'bytes' }, nullable: false }],
    primaryKey: ['k', 'b'],
  });
  expect(sql[0]).toMatchSnapshot();
  expect(() => createTableSql(quoteIdent, { schema: 'S', name: 't' }, { columns: [{ name: 'a', type: { kind: 'int32' }, nullable: false }], primaryKey: ['nope'] })).toThrow(/unknown column\(s\) nope/);
  expect(() => createTableSql(quoteIdent, { schema: 'S', name: 't' }, { columns: [{ name: 'j', type: { kind: 'json' }, nullable: false }], primaryKey: ['j'] })).toThrow(/index key limit/);
  expect(() => createTableSql(quoteIdent, { schema: 'S', name: 't' }, { columns: [{ name: 'x', type: { kind: 'text' }, nullable: false, identity: true }], primaryKey: null })).toThrow(/identity column x must be an integer/);
});

const knownOrders: TableSchema = {
  schema: 'S', name: 'orders', kind: 'table', rowEstimate: 0,
  columns: [
    { name: 'id', nativeType: 'BIGINT', type: { kind: 'int64' }, nullable: false, identity: true, default: null },
    { name: 'doc', nativeType: 'CLOB(1073741824)', type: { kind: 'json' }, nullable: true, identity: false, default: null },
  ],
  primaryKey: ['id'], uniqueConstraints: [{ name: 'orders_doc_key', columns: ['doc'] }],
  indexes: [
    { name: 'SQL240101', columns: ['id'], unique: true },
    { name: 'orders_doc_idx', columns: ['doc'], unique: false, definition: 'CREATE INDEX "S"."orders_doc_idx" ON "S"."orders" ("doc" DESC) INCLUDE ("id")' },
  ],
  foreignKeys: [],
};

test('createTableLike, swap, staging index names', () => {
  expect(createTableLikeSql(quoteIdent, knownOrders, { schema: 'S', name: '_sluice_stg_orders_ab12' }, 'deadbeef')).toMatchSnapshot();
  expect(swapBlockersSql()).toMatchSnapshot();
  expect(originalIndexName(stagingIndexName('orders_doc_idx', 'deadbeef'))).toBe('orders_doc_idx');
  expect(originalIndexName('orders_doc_idx')).toBeNull();
});

test('DML: insert, merge (upsert), delete, truncate, identity restart, over adversarial names', () => {
  const cols = ['id', ...NAMES].map(quoteIdent);
  const markers = ['CAST(? AS INTEGER)', ...NAMES.map(() => 'CAST(? AS VARCHAR(50 CODEUNITS32))')];
  expect({
    insert: insertSql(target, cols, markers, 2),
    merge: mergeSql(target, cols, markers, [quoteIdent('id')], 2),
    mergeKeyOnly: mergeSql(target, [quoteIdent('id')], ['CAST(? AS INTEGER)'], [quoteIdent('id')], 1),
    deleteOne: deleteSql(target, [quoteIdent('id')], ['CAST(? AS INTEGER)'], 3),
    deleteComposite: deleteSql(target, [quoteIdent('order_id'), quoteIdent('line no')], ['CAST(? AS BIGINT)', 'CAST(? AS INTEGER)'], 2),
    truncate: truncateSql(target),
    restartIdentity: restartIdentitySql(target, quoteIdent('id'), 1002n),
    foreignKey: addForeignKeySql(quoteIdent, target, { name: `fk "1'`, columns: ['a b'], referencedSchema: schema, referencedTable: 'Parent', referencedColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' }),
  }).toMatchSnapshot();
  expect(() => addForeignKeySql(quoteIdent, target, { name: 'f', columns: ['a'], referencedSchema: 's', referencedTable: 't', referencedColumns: ['id'], onDelete: 'SET DEFAULT', onUpdate: 'NO ACTION' })).toThrow(/not supported by DB2/);
});

test('reads: keyset pages with FETCH FIRST n ROWS ONLY, expanded OR form, typed markers', () => {
  const quoted = ['order_id', 'line no', `it's`].map(quoteIdent);
  const markers = ['CAST(? AS BIGINT)', 'CAST(? AS INTEGER)', 'CAST(? AS VARCHAR(10))'];
  const after = keysetCondition(quoted, markers);
  const until = keysetCondition(quoted, markers, '<=');
  expect({ after, until }).toMatchSnapshot();
  expect(keysetCondition(['"a"'], ['?'])).toEqual({ sql: '"a" > ?', params: [0] });
  const col = (typeName: string, scale = 0) => ({ name: 'x', nativeType: typeName, type: toCanonical(typeName), nullable: true, identity: false, default: null, typeName, length: 10, scale, bitData: false, generatedAlways: false });
  const selectList = [selectExpr(quoteIdent('order_id'), col('BIGINT')), selectExpr(quoteIdent('total'), col('DECIMAL', 2)), selectExpr(quoteIdent('at'), col('TIMESTAMP', 6))];
  expect(pageSql(target, selectList, [after.sql], quoted, 97)).toMatchSnapshot();
  expect(keyBoundsSql(target, quoteIdent('order_id'), col('BIGINT'))).toMatchSnapshot();
  expect(keyBoundsSql(target, quoteIdent('d'), col('DATE'))).toMatchSnapshot();
  expect(markerExpr(col('DECIMAL', 2))).toBe('CAST(? AS DECIMAL(10,2))');
});

test('checkpoint table: DDL and MERGE of one state row', () => {
  expect({ ddl: stateTableSql(quoteIdent, schema), upsert: upsertStateSql(quoteIdent, schema) }).toMatchSnapshot();
});

test('batches: split by rows and parameters', () => {
  const rows = Array.from({ length: 2500 }, (_, i) => [String(i), 'v']);
  expect(chunkRows(rows, 1000, 2).map((c) => c.length)).toEqual([1000, 1000, 500]);
  expect(chunkRows(rows, 1000, 40).map((c) => c.length)[0]).toBe(400);
  const big = Array.from({ length: 3 }, () => [{ ParamType: 'INPUT' as const, CType: 'BINARY' as const, DataType: 'BLOB' as const, Data: Buffer.alloc(9 * 1024 * 1024) }]);
  expect(chunkRows(big, 1000, 1).map((c) => c.length)).toEqual([1, 1, 1]);
});

test('introspection assembles tables, tags, keys, foreign keys and indexes from the catalog rows', () => {
  const tables = [{ table_name: 'customers', type: 'T', card: -1 }, { table_name: 'orders', type: 'T', card: 12 }, { table_name: 'v', type: 'V', card: -1 }, { table_name: '_sluice_state', type: 'T', card: 1 }];
  const column = (t: string, name: string, type_name: string, length: number, scale: number, extra: Record<string, unknown> = {}) =>
    ({ table_name: t, name, type_name, length, scale, codepage: 1208, string_units: 'OCTETS', string_units_length: null, nulls: 'N', identity: 'N', generated: ' ', default: null, remarks: null, ...extra });
  const columns = [
    column('customers', 'id', 'BIGINT', 8, 0, { identity: 'Y', generated: 'D' }),
    column('customers', 'email', 'VARCHAR', 800, 0, { string_units: 'CODEUNITS32', string_units_length: 200 }),
    column('customers', 'name', 'VARCHAR', 100, 0, { nulls: 'Y' }),
    column('customers', 'created_at', 'TIMESTAMP', 10, 6, { remarks: 'sluice:timestamptz' }),
    column('orders', 'id', 'BIGINT', 8, 0),
    column('orders', 'customer_id', 'BIGINT', 8, 0),
    column('orders', 'total', 'DECIMAL', 12, 2),
    column('orders', 'note', 'CLOB', 1073741824, 0, { nulls: 'Y' }),
    column('orders', 'raw', 'VARCHAR', 16, 0, { codepage: 0, nulls: 'Y' }),
    column('v', 'id', 'BIGINT', 8, 0),
  ];
  const keys = [
    { table_name: 'customers', name: 'customers_email_key', type: 'U', column_name: 'email' },
    { table_name: 'customers', name: 'SQL2401011', type: 'P', column_name: 'id' },
    { table_name: 'orders', name: 'SQL2401012', type: 'P', column_name: 'id' },
  ];
  const fks = [{ table_name: 'orders', name: 'orders_customer_fk', ref_schema: 'S   ', ref_table: 'customers', on_delete: 'C', on_update: 'A', column_name: 'customer_id', ref_column: 'id' }];
  const indexes = [
    { table_name: 'orders', index_schema: 'S', name: 'SQL240101', unique_rule: 'P', index_type: 'REG', column_name: 'id', col_order: 'A' },
    { table_name: 'orders', index_schema: 'S', name: 'orders_customer_idx', unique_rule: 'D', index_type: 'REG', column_name: 'customer_id', col_order: 'A' },
    { table_name: 'orders', index_schema: 'S', name: 'orders_customer_idx', unique_rule: 'D', index_type: 'REG', column_name: 'total', col_order: 'D' },
  ];
  const out = assemble('S', false, (n) => !n.startsWith('_sluice'), tables, columns, keys, fks, indexes, quoteIdent);
  expect(out.map((t) => t.name)).toEqual(['customers', 'orders']);
  const [customers, orders] = out as [TableSchema, TableSchema];
  expect(customers.columns.map((c) => [c.name, c.type, c.nullable, c.identity])).toEqual([
    ['id', { kind: 'int64' }, false, true],
    ['email', { kind: 'text', maxLength: 200 }, false, false],
    ['name', { kind: 'text', maxLength: 100 }, true, false],
    ['created_at', { kind: 'timestamptz' }, false, false],
  ]);
  expect(customers.rowEstimate).toBeNull();
  expect(customers.primaryKey).toEqual(['id']);
  expect(customers.uniqueConstraints).toEqual([{ name: 'customers_email_key', columns: ['email'] }]);
  expect(orders.columns.map((c) => [c.name, c.nativeType, c.type])).toEqual([
    ['id', 'BIGINT', { kind: 'int64' }],
    ['customer_id', 'BIGINT', { kind: 'int64' }],
    ['total', 'DECIMAL(12,2)', { kind: 'decimal', precision: 12, scale: 2 }],
    ['note', 'CLOB(1073741824)', { kind: 'text' }],
    ['raw', 'VARCHAR(16) FOR BIT DATA', { kind: 'bytes', maxLength: 16 }],
  ]);
  expect(orders.foreignKeys).toEqual([{ name: 'orders_customer_fk', columns: ['customer_id'], referencedSchema: 'S', referencedTable: 'customers', referencedColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' }]);
  expect(orders.indexes).toEqual([
    { name: 'SQL240101', columns: ['id'], unique: true },
    { name: 'orders_customer_idx', columns: ['customer_id', 'total'], unique: false, definition: 'CREATE INDEX "S"."orders_customer_idx" ON "S"."orders" ("customer_id", "total" DESC)' },
  ]);
  expect(orders.rowEstimate).toBe(12);
  expect(assemble('S', true, () => true, tables, columns, [], [], [], quoteIdent).map((t) => [t.name, t.kind])).toContainEqual(['v', 'view']);
});
