import { BulkLoad, TYPES as TDS } from 'tedious';
import { CANONICAL_KINDS, type CanonicalType, type TableDefinition } from '@sluice/connector-sdk';
import {
  addForeignKeySql,
  bulkPlan,
  bulkTable,
  columnsQuery,
  createTableSql,
  deleteWhere,
  foreignKeyCheckSql,
  foreignKeysQuery,
  groupForeignKeys,
  groupIndexes,
  indexesQuery,
  insertSelectSql,
  insertSql,
  keysQuery,
  keysetCondition,
  mergeSql,
  pageSql,
  quoteIdent,
  quoteString,
  quoteTable,
  rowsPerStatement,
  selectExpr,
  stagingTableSql,
  stateTableSql,
  tablesQuery,
  triggersSql,
  upsertStateSql,
  withIdentityInsert,
  withRowCount,
  rowCountOf,
  wireType,
  type MssqlColumn,
  parseNativeType,
  toCanonical,
} from '@sluice/connector-mssql';

/** Names that break naive quoting: brackets, quotes, spaces, reserved words, mixed case, unicode, comment and batch syntax. */
const ADVERSARIAL = ['plain', 'a]b', '[x]', ']]', `it's`, 'say "hi"', 'sp ace', 'select', 'MixedCase', 'ünïcødé ✓ 名前', 'semi;colon -- x', 'GO', 'x\nGO\ny', '@p0', '#tmp'];

const schema = `s "we'ird\`; Schéma]`;
const table = quoteTable({ schema, name: `T "ab\`le'; DROP TABLE sentinel; --` });
const q = ADVERSARIAL.map(quoteIdent);

const column = (name: string, nativeType: string, extra: Partial<MssqlColumn> = {}): MssqlColumn => {
  const p = parseNativeType(nativeType);
  return { name, nativeType, base: p.base, length: p.length, precision: p.precision, scale: p.scale, type: toCanonical(nativeType), nullable: true, identity: false, readOnly: false, default: null, ...extra };
};

describe('quoting', () => {
  test('brackets with ] doubled; N-literals with quotes doubled', () => {
    expect(ADVERSARIAL.map((n) => [n, quoteIdent(n)])).toMatchSnapshot();
    expect(quoteIdent('a]b')).toBe('[a]]b]');
    expect(quoteString(`it's`)).toBe(`N'it''s'`);
    expect(table).toBe(`[s "we'ird\`; Schéma]]].[T "ab\`le'; DROP TABLE sentinel; --]`);
  });
  test('a quoted name never ends early: every ] inside is doubled', () => {
    for (const name of ADVERSARIAL) {
      const inner = quoteIdent(name).slice(1, -1);
      expect(inner.replace(/]]/g, '')).not.toContain(']');
      expect(inner.replace(/]]/g, ']')).toBe(name);
    }
  });
});

describe('reads', () => {
  test('keyset conditions expand the row-value comparison', () => {
    expect(keysetCondition([q[0]!], 'a')).toBe('[plain] > @a0');
    expect(keysetCondition(q.slice(0, 3), 'a')).toMatchSnapshot();
    expect(keysetCondition(q.slice(0, 3), 'u', '<=')).toMatchSnapshot();
  });
  test('page SQL: TOP, since, after, until, ORDER BY the key', () => {
    const select = [column('a]b', 'decimal(30,10)'), column('m', 'money'), column('g', 'geography'), column('x', 'nvarchar(max)')].map((c) => selectExpr(quoteIdent(c.name), c));
    expect(pageSql({ table, select, key: q.slice(0, 2), since: q[3]!, after: true, until: true })).toMatchSnapshot();
    expect(pageSql({ table, select, key: q.slice(0, 1), after: false, until: false })).toMatchSnapshot();
  });
});

describe('writes', () => {
  const cols = q.slice(0, 4);
  test('multi-row INSERT within the parameter limits', () => {
    expect(insertSql(table, cols, 2)).toMatchSnapshot();
    expect(rowsPerStatement(2)).toBe(1000);
    expect(rowsPerStatement(17)).toBe(117);
    expect(rowsPerStatement(5000)).toBe(1);
    expect(rowsPerStatement(17) * 17).toBeLessThanOrEqual(2100);
  });
  test('MERGE WITH (HOLDLOCK) from VALUES and from a staging table; identity never updated; all-key tables only insert', () => {
    expect(mergeSql({ table, source: '(VALUES (@p0, @p1, @p2, @p3))', quotedColumns: cols, quotedKey: cols.slice(0, 1), valuesSource: true })).toMatchSnapshot();
    expect(mergeSql({ table, source: quoteIdent('#sluice_stage_x'), quotedColumns: cols, quotedKey: cols.slice(0, 2), noUpdate: [cols[2]!] })).toMatchSnapshot();
    const onlyKeys = mergeSql({ table, source: '#s', quotedColumns: cols.slice(0, 1), quotedKey: cols.slice(0, 1) });
    expect(onlyKeys).not.toContain('WHEN MATCHED');
    expect(mergeSql({ table, source: '#s', quotedColumns: cols, quotedKey: cols.slice(0, 1) })).toMatch(/^MERGE INTO .* WITH \(HOLDLOCK\) AS t\n/);
  });
  test('IDENTITY_INSERT wraps the statement (scoped to sp_executesql)', () => {
    expect(withIdentityInsert(table, insertSelectSql(table, '[#s]', cols), true)).toMatchSnapshot();
    expect(withIdentityInsert(table, 'X', false)).toBe('X');
  });
  test('each write statement reads back its own row count before IDENTITY_INSERT OFF resets it', () => {
    const merge = mergeSql({ table, source: '#s', quotedColumns: cols, quotedKey: cols.slice(0, 1) });
    const sql = withIdentityInsert(table, withRowCount(merge), true);
    expect(sql).toMatch(/WHEN NOT MATCHED BY TARGET THEN INSERT [^;]*;\nSELECT @@ROWCOUNT AS \[n\];\nSET IDENTITY_INSERT .* OFF;$/);
    expect(sql).not.toContain(';;');
    // The count is the last result set's (a trigger that selects would add one before it).
    expect(rowCountOf({ recordsets: [[{ x: 1 }], [{ n: 3 }]] })).toBe(3);
    expect(rowCountOf({ recordsets: [] })).toBeNaN();
  });
  test('staging table: exact native types, decimals and CLR types as text, all nullable, database collation', () => {
    const columns = [
      column('id', 'int', { nullable: false }),
      column('a]b', 'decimal(30,10)'),
      column('m', 'money'),
      column('t', 'nvarchar(40)'),
      column('v', 'varchar(max)'),
      column('ts', 'datetime2(6)'),
      column('x', 'xml'),
      column('u', 'uniqueidentifier'),
    ];
    expect(stagingTableSql('#sluice_stage_0', quoteIdent, columns)).toMatchSnapshot();
  });
  test('bulk plan: direct only for appends of natively typed columns without explicit identity values', () => {
    const plain = [column('id', 'int'), column('t', 'nvarchar(10)')];
    expect(bulkPlan(plain, 'append', false)).toBe('direct');
    expect(bulkPlan(plain, 'upsert', false)).toBe('staged');
    expect(bulkPlan([...plain, column('d', 'decimal(12,2)')], 'append', false)).toBe('staged');
    expect(bulkPlan([column('id', 'bigint', { identity: true })], 'append', true)).toBe('staged');
    expect(bulkPlan([column('id', 'bigint', { identity: true })], 'append', false)).toBe('direct');
  });
  test("the bulk load statement tedious sends for an mssql Table made by bulkTable (adversarial names, every wire type)", () => {
    const natives = ['int', 'bigint', 'smallint', 'tinyint', 'bit', 'real', 'float', 'decimal(30,10)', 'nvarchar(40)', 'nvarchar(max)', 'varchar(10)', 'varbinary(max)', 'binary(16)', 'date', 'time(6)', 'datetime2(6)', 'datetimeoffset(6)', 'datetime', 'smalldatetime', 'uniqueidentifier', 'xml'];
    const columns = natives.map((n, i) => column(ADVERSARIAL[i % ADVERSARIAL.length] + i, n, { nullable: i % 2 === 0 }));
    const t = bulkTable(table, columns.map((c) => ({ name: c.name, type: wireType(c).spec, nullable: c.nullable })));
    expect(t.path).toBe(table);
    const tds = TDS as unknown as Record<string, unknown>;
    // As mssql's tedious request does: newBulkLoad(table.path, options) and one addColumn per column.
    const bulk = new BulkLoad(t.path, undefined as never, { useUTC: true } as never, { keepNulls: true, checkConstraints: true, fireTriggers: true }, () => undefined);
    for (const c of t.columns as unknown as { name: string; type: { name: string }; length?: number; scale?: number; precision?: number; nullable: boolean }[]) {
      bulk.addColumn(c.name, tds[c.type.name] as never, { nullable: c.nullable, length: c.length, scale: c.scale, precision: c.precision });
    }
    expect((bulk as unknown as { getBulkInsertSql(): string }).getBulkInsertSql()).toMatchSnapshot();
  });
});

describe('DDL', () => {
  const every: TableDefinition = {
    columns: [
      { name: 'id', type: { kind: 'int64' }, nullable: false, identity: true },
      ...CANONICAL_KINDS.map((kind, i) => ({ name: `${ADVERSARIAL[i % ADVERSARIAL.length]}_${kind}`, type: { kind } as CanonicalType, nullable: i % 3 !== 0 })),
      { name: 'text40', type: { kind: 'text', maxLength: 40 }, nullable: true },
      { name: 'text_huge', type: { kind: 'text', maxLength: 100_000 }, nullable: true },
      { name: 'bytes16', type: { kind: 'bytes', maxLength: 16 }, nullable: true },
      { name: 'dec', type: { kind: 'decimal', precision: 30, scale: 10 }, nullable: true },
    ],
    primaryKey: ['id'],
    uniqueConstraints: [{ name: `uq "it's"]`, columns: ['text40'] }],
  };
  test('CREATE TABLE for every canonical type, identity, keys, json check', () => {
    expect(createTableSql(quoteIdent, table, every)).toMatchSnapshot();
  });
  test('unbounded text keys are sized to the index key limit; keys that cannot fit fail', () => {
    const sql = createTableSql(quoteIdent, '[t]', {
      columns: [
        { name: 'a', type: { kind: 'text' }, nullable: false },
        { name: 'b', type: { kind: 'bytes' }, nullable: false },
        { name: 'n', type: { kind: 'int64' }, nullable: false },
      ],
      primaryKey: ['a', 'b', 'n'],
    });
    expect(sql).toContain('[a] NVARCHAR(297) NOT NULL');
    expect(sql).toContain('[b] VARBINARY(297) NOT NULL');
    expect(() => createTableSql(quoteIdent, '[t]', { columns: [{ name: 'j', type: { kind: 'json' }, nullable: false }], primaryKey: ['j'] })).toThrow(/index key limit/);
    expect(() => createTableSql(quoteIdent, '[t]', { columns: [{ name: 'a', type: { kind: 'int32' }, nullable: false }], primaryKey: ['zz'] })).toThrow(/unknown column/);
    expect(() => createTableSql(quoteIdent, '[t]', { columns: [{ name: 'a', type: { kind: 'text' }, nullable: false, identity: true }], primaryKey: null })).toThrow(/integer/);
  });
  test('triggers, foreign keys, deletes', () => {
    expect(triggersSql(table, false)).toBe(`DISABLE TRIGGER ALL ON ${table}`);
    expect(triggersSql(table, true)).toBe(`ENABLE TRIGGER ALL ON ${table}`);
    expect(foreignKeyCheckSql(quoteIdent, table, ['fk]1', 'fk 2'], false)).toMatchSnapshot();
    expect(foreignKeyCheckSql(quoteIdent, table, ['fk]1'], true)).toMatchSnapshot();
    const fk = { name: `fk "x"]`, columns: ['a]b', 'c'], referencedSchema: schema, referencedTable: 'p]q', referencedColumns: ['id', 'i d'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' };
    expect(addForeignKeySql(quoteIdent, table, fk)).toMatchSnapshot();
    expect(addForeignKeySql(quoteIdent, table, { ...fk, onDelete: 'RESTRICT', onUpdate: 'SET_NULL' })).toContain('ON DELETE NO ACTION ON UPDATE SET NULL');
    expect(() => addForeignKeySql(quoteIdent, table, { ...fk, onDelete: 'DROP TABLE x' })).toThrow(/unknown ON DELETE rule/);
    expect(deleteWhere(['[k]'], 3)).toBe('[k] IN (@k0, @k1, @k2)');
    expect(deleteWhere(['[a]', '[b]'], 2)).toBe('([a] = @k0 AND [b] = @k1) OR ([a] = @k2 AND [b] = @k3)');
  });
  test('index definitions from catalog rows (DESC, INCLUDE, filter, clustered); key-backing indexes get none', () => {
    const rows = [
      { object_id: 1, table_name: 't]1', name: 'ix "a"]', type_desc: 'NONCLUSTERED', is_unique: false, is_primary_key: false, is_unique_constraint: false, filter_definition: '([x]>(0))', is_descending_key: true, is_included_column: false, column_name: 'x]' },
      { object_id: 1, table_name: 't]1', name: 'ix "a"]', type_desc: 'NONCLUSTERED', is_unique: false, is_primary_key: false, is_unique_constraint: false, filter_definition: '([x]>(0))', is_descending_key: false, is_included_column: false, column_name: 'y' },
      { object_id: 1, table_name: 't]1', name: 'ix "a"]', type_desc: 'NONCLUSTERED', is_unique: false, is_primary_key: false, is_unique_constraint: false, filter_definition: '([x]>(0))', is_descending_key: false, is_included_column: true, column_name: 'z' },
      { object_id: 1, table_name: 't]1', name: 'PK__t', type_desc: 'CLUSTERED', is_unique: true, is_primary_key: true, is_unique_constraint: false, filter_definition: null, is_descending_key: false, is_included_column: false, column_name: 'id' },
      { object_id: 2, table_name: 'u', name: 'cx', type_desc: 'CLUSTERED', is_unique: true, is_primary_key: false, is_unique_constraint: false, filter_definition: null, is_descending_key: false, is_included_column: false, column_name: 'k' },
    ];
    const grouped = groupIndexes(rows, quoteIdent, schema);
    expect([...grouped.entries()]).toMatchSnapshot();
    expect(grouped.get(1)![0]!.columns).toEqual(['x]', 'y']);
    expect(grouped.get(1)![1]!.definition).toBeUndefined();
    expect(groupIndexes(rows, quoteIdent, schema, '[s].[copy]').get(2)![0]!.definition).toBe('CREATE UNIQUE CLUSTERED INDEX [cx] ON [s].[copy] ([k])');
  });
  test('foreign keys from catalog rows: rules spelled with spaces, columns in order', () => {
    const rows = [
      { object_id: 7, name: 'fk', on_delete: 'CASCADE', on_update: 'NO_ACTION', ref_schema: 's', ref_table: 'p', column_name: 'a', ref_column: 'x' },
      { object_id: 7, name: 'fk', on_delete: 'CASCADE', on_update: 'NO_ACTION', ref_schema: 's', ref_table: 'p', column_name: 'b', ref_column: 'y' },
      { object_id: 7, name: 'fk2', on_delete: 'SET_NULL', on_update: 'SET_DEFAULT', ref_schema: 's', ref_table: 'q', column_name: 'c', ref_column: 'z' },
    ];
    expect(groupForeignKeys(rows).get(7)).toEqual([
      { name: 'fk', columns: ['a', 'b'], referencedSchema: 's', referencedTable: 'p', referencedColumns: ['x', 'y'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
      { name: 'fk2', columns: ['c'], referencedSchema: 's', referencedTable: 'q', referencedColumns: ['z'], onDelete: 'SET NULL', onUpdate: 'SET DEFAULT' },
    ]);
  });
});

describe('catalog and state', () => {
  test('a constant number of catalog queries, each by schema (or one table) parameter, never by interpolated names', () => {
    const queries = [tablesQuery, columnsQuery, keysQuery, foreignKeysQuery, indexesQuery];
    for (const one of [false, true]) {
      for (const make of queries) {
        const sql = make(one);
        expect(sql).toContain('SCHEMA_ID(@schema)');
        expect(sql.includes('@table')).toBe(one);
      }
    }
    expect(queries.map((make) => make(false))).toMatchSnapshot();
  });
  test('_sluice_state DDL and its race-free upsert', () => {
    expect(stateTableSql(quoteIdent, schema)).toMatchSnapshot();
    expect(upsertStateSql(quoteIdent, schema)).toMatchSnapshot();
  });
});
