import oracledb from 'oracledb';
import {
  bindPlan,
  columnCheck,
  decodeValue,
  familyOf,
  formatTime,
  normalizeNumber,
  oracleConnector,
  parseCheck,
  selectExpr,
  spellType,
  toCanonical,
  toNative,
  toUtcText,
} from '@sluice/connector-oracle';
import { CANONICAL_KINDS, type CanonicalType } from '@sluice/connector-sdk';
import { ROUND_TRIP_COLUMNS } from '@sluice/connector-sdk/dist/testkit/values';

// Pure functions: every mapping and conversion checkable without an Oracle server.

test('catalog types are spelled as DDL', () => {
  expect(spellType({ dataType: 'NUMBER', precision: 12, scale: 2 })).toBe('NUMBER(12,2)');
  expect(spellType({ dataType: 'NUMBER', precision: 19, scale: 0 })).toBe('NUMBER(19)');
  expect(spellType({ dataType: 'NUMBER', precision: null, scale: 0 })).toBe('NUMBER(*,0)'); // INTEGER
  expect(spellType({ dataType: 'NUMBER', precision: null, scale: null })).toBe('NUMBER');
  expect(spellType({ dataType: 'FLOAT', precision: 126 })).toBe('FLOAT(126)');
  expect(spellType({ dataType: 'VARCHAR2', dataLength: 800, charLength: 200, charUsed: 'C' })).toBe('VARCHAR2(200 CHAR)');
  expect(spellType({ dataType: 'VARCHAR2', dataLength: 40, charLength: 40, charUsed: 'B' })).toBe('VARCHAR2(40 BYTE)');
  expect(spellType({ dataType: 'NVARCHAR2', dataLength: 80, charLength: 40 })).toBe('NVARCHAR2(40)');
  expect(spellType({ dataType: 'RAW', dataLength: 16 })).toBe('RAW(16)');
  expect(spellType({ dataType: 'TIMESTAMP(6) WITH TIME ZONE', typeOwner: null })).toBe('TIMESTAMP(6) WITH TIME ZONE');
  expect(spellType({ dataType: 'INTERVAL DAY(0) TO SECOND(6)' })).toBe('INTERVAL DAY(0) TO SECOND(6)');
  expect(spellType({ dataType: 'XMLTYPE', typeOwner: 'SYS' })).toBe('XMLTYPE');
  expect(spellType({ dataType: 'SDO_GEOMETRY', typeOwner: 'MDSYS' })).toBe('"MDSYS"."SDO_GEOMETRY"');
});

test('native → canonical', () => {
  const cases: [string, CanonicalType, ('bool' | 'date' | 'json')?][] = [
    ['NUMBER(5)', { kind: 'int16' }],
    ['NUMBER(4)', { kind: 'int16' }],
    ['NUMBER(10)', { kind: 'int32' }],
    ['NUMBER(19)', { kind: 'int64' }],
    ['NUMBER(20)', { kind: 'decimal', precision: 20, scale: 0 }],
    ['NUMBER(*,0)', { kind: 'decimal', precision: 38, scale: 0 }],
    ['NUMBER(12,2)', { kind: 'decimal', precision: 12, scale: 2 }],
    ['NUMBER(5,-2)', { kind: 'decimal', precision: 7, scale: 0 }],
    ['NUMBER', { kind: 'decimal' }],
    ['FLOAT(126)', { kind: 'decimal' }],
    ['NUMBER(1)', { kind: 'int16' }],
    ['NUMBER(1)', { kind: 'bool' }, 'bool'],
    ['BOOLEAN', { kind: 'bool' }],
    ['BINARY_FLOAT', { kind: 'float32' }],
    ['BINARY_DOUBLE', { kind: 'float64' }],
    ['VARCHAR2(200 CHAR)', { kind: 'text', maxLength: 200 }],
    ['VARCHAR2(40 BYTE)', { kind: 'text', maxLength: 40 }],
    ['NVARCHAR2(10)', { kind: 'text', maxLength: 10 }],
    ['CHAR(3 CHAR)', { kind: 'text', maxLength: 3 }],
    ['CLOB', { kind: 'text' }],
    ['NCLOB', { kind: 'text' }],
    ['LONG', { kind: 'text' }],
    ['CLOB', { kind: 'json' }, 'json'],
    ['VARCHAR2(4000 BYTE)', { kind: 'json' }, 'json'],
    ['JSON', { kind: 'json' }],
    ['RAW(16)', { kind: 'uuid' }],
    ['RAW(32)', { kind: 'bytes', maxLength: 32 }],
    ['BLOB', { kind: 'bytes' }],
    ['LONG RAW', { kind: 'bytes' }],
    ['DATE', { kind: 'timestamp' }],
    ['DATE', { kind: 'date' }, 'date'],
    ['TIMESTAMP(6)', { kind: 'timestamp' }],
    ['TIMESTAMP(9)', { kind: 'timestamp' }],
    ['TIMESTAMP(6) WITH TIME ZONE', { kind: 'timestamptz' }],
    ['TIMESTAMP(3) WITH LOCAL TIME ZONE', { kind: 'timestamptz' }],
    ['INTERVAL DAY(0) TO SECOND(6)', { kind: 'time' }],
    ['INTERVAL DAY(2) TO SECOND(6)', { kind: 'text' }],
    ['INTERVAL YEAR(2) TO MONTH', { kind: 'text' }],
    ['ROWID', { kind: 'text' }],
    ['XMLTYPE', { kind: 'text' }],
  ];
  for (const [native, canonical, hint] of cases) expect({ native, hint, type: toCanonical(native, hint) }).toEqual({ native, hint, type: canonical });
});

test('canonical → native → canonical is the identity for every canonical kind (with the column CHECK that types it)', () => {
  const types: CanonicalType[] = [
    ...CANONICAL_KINDS.map((kind) => ({ kind }) as CanonicalType),
    { kind: 'decimal', precision: 30, scale: 10 },
    { kind: 'decimal', precision: 20, scale: 0 },
    { kind: 'text', maxLength: 40 },
    { kind: 'text', maxLength: 4000 },
    { kind: 'bytes', maxLength: 2000 },
  ];
  for (const type of types) {
    const native = toNative(type);
    const check = parseCheck(columnCheck(type, '"c"')?.replace(/^CHECK \((.*)\)$/, '$1'));
    expect({ type, native, back: toCanonical(native, check?.hint) }).toEqual({ type, native, back: type });
  }
  // NUMBER(p) is NUMBER(p,0): an integer decimal of up to 19 digits reads back as an integer type (the same digit strings for int64).
  expect(toCanonical(toNative({ kind: 'decimal', precision: 12, scale: 0 }))).toEqual({ kind: 'int64' });
  expect(toNative({ kind: 'text', maxLength: 4001 })).toBe('CLOB');
  expect(toNative({ kind: 'bytes', maxLength: 2001 })).toBe('BLOB');
  expect(toNative({ kind: 'bytes', maxLength: 16 })).toBe('RAW(16)'); // reads back as uuid: Oracle's RAW(16) is the GUID type
  expect(() => toNative({ kind: 'decimal', precision: 65, scale: 30 })).toThrow(/NUMBER/);
  expect(oracleConnector.types.toNative({ kind: 'bool' })).toBe('NUMBER(1)');
});

test('the round-trip columns of the contract testkit each map to a native type that reads back as the same kind', () => {
  for (const c of ROUND_TRIP_COLUMNS) {
    const native = toNative(c.type);
    const hint = parseCheck(columnCheck(c.type, '"x"')?.slice(7, -1))?.hint;
    // Fixed text is created as VARCHAR2 (an Oracle CHAR compares unpadded with a bound VARCHAR2: key
    // cursors and MERGE would miss its rows); it reads back as plain text of the same length.
    const expected = c.type.kind === 'text' && c.type.fixed ? { kind: 'text', maxLength: c.type.maxLength } : c.type;
    expect([c.name, toCanonical(native, hint)]).toEqual([c.name, expected]);
  }
});

test('CHECK conditions that type a column: as Sluice writes them and as people do', () => {
  expect(columnCheck({ kind: 'bool' }, '"flag"')).toBe('CHECK ("flag" IN (0, 1))');
  expect(columnCheck({ kind: 'date' }, '"d"')).toBe('CHECK ("d" = TRUNC("d"))');
  expect(columnCheck({ kind: 'json' }, '"doc"')).toBe('CHECK ("doc" IS JSON)');
  expect(columnCheck({ kind: 'text' }, '"t"')).toBeNull();
  expect(parseCheck('"flag" IN (0, 1)')).toEqual({ column: 'flag', hint: 'bool' });
  expect(parseCheck('active in (1,0)')).toEqual({ column: 'ACTIVE', hint: 'bool' });
  expect(parseCheck('"d" = TRUNC("d")')).toEqual({ column: 'd', hint: 'date' });
  expect(parseCheck('"d" = TRUNC("e")')).toBeNull();
  expect(parseCheck('doc IS JSON (STRICT)')).toEqual({ column: 'DOC', hint: 'json' });
  expect(parseCheck('"we\'ird ✓" IS JSON')).toEqual({ column: "we'ird ✓", hint: 'json' });
  expect(parseCheck('"ID" IS NOT NULL')).toBeNull();
  expect(parseCheck('qty > 0')).toBeNull();
  expect(parseCheck(null)).toBeNull();
});

test('driver families', () => {
  expect(familyOf('NUMBER(10)')).toBe('number');
  expect(familyOf('VARCHAR2(10 CHAR)')).toBe('varchar');
  expect(familyOf('NVARCHAR2(10)')).toBe('nvarchar');
  expect(familyOf('CLOB')).toBe('clob');
  expect(familyOf('TIMESTAMP(6) WITH LOCAL TIME ZONE')).toBe('timestamp_tz');
  expect(familyOf('TIMESTAMP(6)')).toBe('timestamp');
  expect(familyOf('INTERVAL DAY(0) TO SECOND(6)')).toBe('interval_ds');
  expect(familyOf('RAW(16)')).toBe('raw');
  expect(familyOf('"MDSYS"."SDO_GEOMETRY"')).toBe('other');
});

test('select expressions: numbers as exact text, dates through TO_CHAR with fixed formats, time zones in UTC, LOBs inline', () => {
  const col = (nativeType: string, type: CanonicalType) => ({ name: 'c', nativeType, type });
  expect(selectExpr('"c"', col('NUMBER(10)', { kind: 'int32' }))).toEqual({ sql: '"c"', fetch: null });
  expect(selectExpr('"c"', col('NUMBER(19)', { kind: 'int64' }))).toEqual({ sql: '"c"', fetch: 'string' });
  expect(selectExpr('"c"', col('NUMBER(12,2)', { kind: 'decimal', precision: 12, scale: 2 }))).toEqual({ sql: '"c"', fetch: 'string' });
  expect(selectExpr('"c"', col('DATE', { kind: 'date' })).sql).toBe(`TO_CHAR("c", 'YYYY-MM-DD')`);
  expect(selectExpr('"c"', col('DATE', { kind: 'timestamp' })).sql).toBe(`TO_CHAR("c", 'YYYY-MM-DD HH24:MI:SS')`);
  expect(selectExpr('"c"', col('TIMESTAMP(6)', { kind: 'timestamp' })).sql).toBe(`TO_CHAR("c", 'YYYY-MM-DD HH24:MI:SS.FF6')`);
  expect(selectExpr('"c"', col('TIMESTAMP(6) WITH TIME ZONE', { kind: 'timestamptz' })).sql).toBe(
    `TO_CHAR(SYS_EXTRACT_UTC("c"), 'YYYY-MM-DD"T"HH24:MI:SS.FF6')`,
  );
  expect(selectExpr('"c"', col('INTERVAL DAY(0) TO SECOND(6)', { kind: 'time' }))).toEqual({ sql: '"c"', fetch: null });
  expect(selectExpr('"c"', col('INTERVAL DAY(2) TO SECOND(6)', { kind: 'text' })).sql).toBe('TO_CHAR("c")');
  expect(selectExpr('"c"', col('CLOB', { kind: 'text' }))).toEqual({ sql: '"c"', fetch: 'string' });
  expect(selectExpr('"c"', col('BLOB', { kind: 'bytes' }))).toEqual({ sql: '"c"', fetch: 'buffer' });
  expect(selectExpr('"c"', col('CLOB', { kind: 'json' }))).toEqual({ sql: '"c"', fetch: 'string' });
});

test('driver values → canonical values', () => {
  const col = (nativeType: string, type: CanonicalType) => ({ name: 'c', nativeType, type });
  // Thin mode's NUMBER text has no leading zero; decimals keep their scale.
  expect(normalizeNumber('.5')).toBe('0.5');
  expect(normalizeNumber('-.0000000001')).toBe('-0.0000000001');
  expect(normalizeNumber('42.5', 10)).toBe('42.5000000000');
  expect(normalizeNumber('42', 2)).toBe('42.00');
  expect(decodeValue('9223372036854775807', col('NUMBER(19)', { kind: 'int64' }))).toBe('9223372036854775807');
  expect(decodeValue('-.5', col('NUMBER(12,2)', { kind: 'decimal', precision: 12, scale: 2 }))).toBe('-0.50');
  expect(decodeValue(32767, col('NUMBER(5)', { kind: 'int16' }))).toBe(32767);
  expect(decodeValue(1, col('NUMBER(1)', { kind: 'bool' }))).toBe(true);
  expect(decodeValue(0, col('NUMBER(1)', { kind: 'bool' }))).toBe(false);
  expect(decodeValue(true, col('BOOLEAN', { kind: 'bool' }))).toBe(true);
  expect(decodeValue('2024-02-29 12:00:00.123456', col('TIMESTAMP(6)', { kind: 'timestamp' }))).toBe('2024-02-29 12:00:00.123456');
  expect(decodeValue('1000-01-01 00:00:00.000000', col('TIMESTAMP(6)', { kind: 'timestamp' }))).toBe('1000-01-01 00:00:00');
  expect(decodeValue('2024-02-29T12:00:00.500000', col('TIMESTAMP(6) WITH TIME ZONE', { kind: 'timestamptz' }))).toBe('2024-02-29T12:00:00.5Z');
  expect(decodeValue({ days: 0, hours: 23, minutes: 59, seconds: 59, fseconds: 999999000 }, col('INTERVAL DAY(0) TO SECOND(6)', { kind: 'time' }))).toBe('23:59:59.999999');
  expect(formatTime({ days: 0, hours: 12, minutes: 34, seconds: 56, fseconds: 500000000 })).toBe('12:34:56.5');
  expect(formatTime({ days: 0, hours: 0, minutes: 0, seconds: 0, fseconds: 0 })).toBe('00:00:00');
  expect(decodeValue('{"a":[1,null]}', col('CLOB', { kind: 'json' }))).toEqual({ a: [1, null] });
  expect(decodeValue({ a: 1 }, col('JSON', { kind: 'json' }))).toEqual({ a: 1 });
  expect(decodeValue(Buffer.from('3f2504e04f8941d39a0c0305e82c3301', 'hex'), col('RAW(16)', { kind: 'uuid' }))).toBe('3f2504e0-4f89-41d3-9a0c-0305e82c3301');
  // Empty LOBs: the driver reads them inline as null; the not-NULL flag tells them from NULL.
  expect(decodeValue(null, col('CLOB', { kind: 'text' }), true)).toBe('');
  expect(decodeValue(null, col('CLOB', { kind: 'text' }), false)).toBeNull();
  expect(decodeValue(null, col('BLOB', { kind: 'bytes' }), true)).toEqual(Buffer.alloc(0));
});

test('bind plans: exact driver types, SQL conversions with fixed formats, refused values name the column', () => {
  const plan = (nativeType: string, type: CanonicalType, ctx: 'insert' | 'merge' | 'predicate' = 'insert') => bindPlan({ name: 'c', nativeType, type }, ctx);
  const int64 = plan('NUMBER(19)', { kind: 'int64' });
  expect(int64.type).toBe(oracledb.DB_TYPE_NUMBER);
  expect(int64.encode('-9223372036854775808')).toBe(-9223372036854775808n);
  expect(() => int64.encode('12.5')).toThrow(/column c: value "12.5" is not a valid int64/);
  const dec = plan('NUMBER(30,10)', { kind: 'decimal', precision: 30, scale: 10 });
  expect([dec.type, dec.wrap(':1'), dec.encode('-12345678901234567890.1234567890')]).toEqual([oracledb.DB_TYPE_VARCHAR, 'TO_NUMBER(:1)', '-12345678901234567890.1234567890']);
  expect(() => dec.encode('1,5')).toThrow(/decimal/);
  // NUMBER would round these without an error: refused, naming the column and why.
  expect(() => dec.encode('0.12345678901')).toThrow(/column c: .*11 decimal places and the column keeps 10: it would be rounded/);
  expect(dec.encode('0.1000000000000')).toBe('0.1000000000000');
  const number = plan('NUMBER', { kind: 'decimal' });
  expect(() => number.encode('1.' + '1'.repeat(38))).toThrow(/39 significant digits and the column keeps 38/);
  expect(number.encode('1' + '0'.repeat(100))).toBe('1' + '0'.repeat(100));
  expect(plan('BINARY_FLOAT', { kind: 'float32' }).type).toBe(oracledb.DB_TYPE_BINARY_FLOAT);
  expect(plan('BINARY_DOUBLE', { kind: 'float64' }).encode(0.1)).toBe(0.1);
  expect(plan('NUMBER(1)', { kind: 'bool' }).encode(true)).toBe(1);
  expect(plan('BOOLEAN', { kind: 'bool' }).type).toBe(oracledb.DB_TYPE_BOOLEAN);
  const date = plan('DATE', { kind: 'date' });
  expect([date.wrap(':2'), date.encode('9999-12-31')]).toEqual([`TO_DATE(:2, 'YYYY-MM-DD')`, '9999-12-31']);
  const ts = plan('TIMESTAMP(6)', { kind: 'timestamp' });
  expect([ts.wrap(':1'), ts.encode('2024-02-29 12:00:00.123456')]).toEqual([`TO_TIMESTAMP(:1, 'YYYY-MM-DD HH24:MI:SS.FF9')`, '2024-02-29 12:00:00.123456000']);
  expect(ts.encode('1000-01-01T00:00:00')).toBe('1000-01-01 00:00:00.000000000');
  expect(() => ts.encode('2024-01-01T00:00:00+02:00')).toThrow(/offset/);
  const dateTs = plan('DATE', { kind: 'timestamp' });
  expect(dateTs.encode('2024-01-01 10:00:00')).toBe('2024-01-01 10:00:00');
  expect(() => dateTs.encode('2024-01-01 10:00:00.5')).toThrow(/whole seconds/);
  const tz = plan('TIMESTAMP(6) WITH TIME ZONE', { kind: 'timestamptz' });
  expect(tz.wrap(':1')).toBe(`TO_TIMESTAMP_TZ(:1, 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')`);
  expect(tz.encode('2038-01-19T03:14:07.999999Z')).toBe('2038-01-19 03:14:07.999999000 +00:00');
  expect(tz.encode('2024-01-01T02:30:00+02:30')).toBe('2024-01-01 00:00:00.000000000 +00:00');
  const time = plan('INTERVAL DAY(0) TO SECOND(6)', { kind: 'time' });
  expect([time.wrap(':1'), time.encode('23:59:59.999999')]).toEqual(['TO_DSINTERVAL(:1)', '0 23:59:59.999999000']);
  expect(() => time.encode('24:00:00')).toThrow(/time/);
  const uuid = plan('RAW(16)', { kind: 'uuid' });
  expect(uuid.encode('FFFFFFFF-ffff-ffff-ffff-ffffffffffff')).toEqual(Buffer.alloc(16, 0xff));
  // LOBs: long binds in INSERT (the driver sends them as LONG, which a CLOB takes whole), LOB binds in MERGE; '' needs EMPTY_CLOB().
  const clobInsert = plan('CLOB', { kind: 'text' }, 'insert');
  expect([clobInsert.type, clobInsert.minSize, clobInsert.emptyLiteral]).toEqual([oracledb.DB_TYPE_VARCHAR, 32768, 'EMPTY_CLOB()']);
  const clobMerge = plan('CLOB', { kind: 'text' }, 'merge');
  expect([clobMerge.type, clobMerge.sized, clobMerge.emptyLiteral]).toEqual([oracledb.DB_TYPE_CLOB, false, 'EMPTY_CLOB()']);
  const blob = plan('BLOB', { kind: 'bytes' }, 'insert');
  expect([blob.type, blob.emptyLiteral]).toEqual([oracledb.DB_TYPE_RAW, 'EMPTY_BLOB()']);
  expect(plan('CLOB', { kind: 'json' }).encode({ a: 'ü' })).toBe('{"a":"ü"}');
  expect(plan('JSON', { kind: 'json' }).type).toBe(oracledb.DB_TYPE_JSON);
  expect(plan('VARCHAR2(40 CHAR)', { kind: 'text' }).emptyLiteral).toBeNull(); // '' is NULL in a VARCHAR2: documented Oracle behaviour
  expect(plan('NVARCHAR2(40)', { kind: 'text' }).type).toBe(oracledb.DB_TYPE_NVARCHAR);
});

test('timestamps with offsets go to UTC exactly (nanoseconds kept)', () => {
  expect(toUtcText('2024-02-29T23:30:00.123456789-01:00', 'c', { kind: 'timestamptz' })).toBe('2024-03-01 00:30:00.123456789');
  expect(toUtcText(new Date('2024-01-01T00:00:00.5Z'), 'c', { kind: 'timestamptz' })).toBe('2024-01-01 00:00:00.500000000');
  expect(() => toUtcText('yesterday', 'c', { kind: 'timestamptz' })).toThrow(/column c/);
});
