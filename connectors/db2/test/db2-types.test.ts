import { columnCanonical, db2TypeMapper, decodeValue, encodeParam, markerExpr, nativeSpelling, normalizeDecimalText, selectExpr, timestampText, toCanonical, toNative } from '@sluice/connector-db2';
import { CANONICAL_KINDS, type CanonicalType } from '@sluice/connector-sdk';

test('native → canonical', () => {
  const cases: [string, CanonicalType][] = [
    ['SMALLINT', { kind: 'int16' }],
    ['INTEGER', { kind: 'int32' }],
    ['BIGINT', { kind: 'int64' }],
    ['DECIMAL(12,2)', { kind: 'decimal', precision: 12, scale: 2 }],
    ['decimal(31, 0)', { kind: 'decimal', precision: 31, scale: 0 }],
    ['DECFLOAT(34)', { kind: 'decimal' }],
    ['REAL', { kind: 'float32' }],
    ['DOUBLE', { kind: 'float64' }],
    ['BOOLEAN', { kind: 'bool' }],
    ['VARCHAR(200)', { kind: 'text', maxLength: 200 }],
    ['VARCHAR(40 CODEUNITS32)', { kind: 'text', maxLength: 40 }],
    ['CHAR(36)', { kind: 'text', maxLength: 36, fixed: true }],
    ['CHARACTER(3 CODEUNITS32)', { kind: 'text', maxLength: 3, fixed: true }],
    ['GRAPHIC(4)', { kind: 'text', maxLength: 4, fixed: true }],
    ['CHAR VARYING(5)', { kind: 'text', maxLength: 5 }],
    ['VARGRAPHIC(10)', { kind: 'text', maxLength: 10 }],
    ['CLOB(1048576)', { kind: 'text' }],
    ['DBCLOB(1000)', { kind: 'text' }],
    ['XML', { kind: 'text' }],
    ['LONG VARCHAR', { kind: 'text' }],
    ['VARCHAR(16) FOR BIT DATA', { kind: 'bytes', maxLength: 16 }],
    ['CHAR(16) FOR BIT DATA', { kind: 'bytes', maxLength: 16 }],
    ['BINARY(8)', { kind: 'bytes', maxLength: 8 }],
    ['VARBINARY(100)', { kind: 'bytes', maxLength: 100 }],
    ['BLOB(1073741824)', { kind: 'bytes' }],
    ['DATE', { kind: 'date' }],
    ['TIME', { kind: 'time' }],
    ['TIMESTAMP(6)', { kind: 'timestamp' }],
    ['TIMESTAMP(12)', { kind: 'timestamp' }],
  ];
  for (const [native, type] of cases) expect({ native, type: toCanonical(native) }).toEqual({ native, type });
});

test('canonical → native for every canonical type', () => {
  const types: CanonicalType[] = [
    ...CANONICAL_KINDS.map((kind) => ({ kind }) as CanonicalType),
    { kind: 'decimal', precision: 12, scale: 2 }, { kind: 'decimal', precision: 38, scale: 10 },
    { kind: 'text', maxLength: 40 }, { kind: 'text', maxLength: 8168 }, { kind: 'text', maxLength: 8169 },
    { kind: 'bytes', maxLength: 16 }, { kind: 'bytes', maxLength: 32673 },
  ];
  expect(Object.fromEntries(types.map((t) => [JSON.stringify(t), toNative(t)]))).toMatchSnapshot();
});

test('fixed text: CHAR(n CODEUNITS32) while 63 code units fit its 255 bytes, VARCHAR beyond; read without the pad', () => {
  expect(toNative({ kind: 'text', maxLength: 20, fixed: true })).toBe('CHAR(20 CODEUNITS32)');
  expect(toNative({ kind: 'text', maxLength: 63, fixed: true })).toBe('CHAR(63 CODEUNITS32)');
  expect(toNative({ kind: 'text', maxLength: 64, fixed: true })).toBe('VARCHAR(64 CODEUNITS32)');
  expect(db2TypeMapper.toCanonical(toNative({ kind: 'text', maxLength: 20, fixed: true }))).toEqual({ kind: 'text', maxLength: 20, fixed: true });
  expect(decodeValue('English             ', { kind: 'text', maxLength: 20, fixed: true })).toBe('English');
  expect(decodeValue('  lead ', { kind: 'text', maxLength: 7, fixed: true })).toBe('  lead');
  expect(decodeValue('kept  ', { kind: 'text', maxLength: 20 })).toBe('kept  ');
});

test('native ⇄ canonical round trip; json / uuid / timestamptz / time come back through their column tag', () => {
  for (const kind of CANONICAL_KINDS) {
    const type = (kind === 'decimal' ? { kind, precision: 10, scale: 3 } : { kind }) as CanonicalType;
    const back = db2TypeMapper.toCanonical(db2TypeMapper.toNative(type));
    if (['json', 'uuid', 'timestamptz', 'time'].includes(kind)) {
      const m = /^(\w+)(?:\((\d+))?/.exec(db2TypeMapper.toNative(type))!;
      const facts = { typeName: m[1]!, length: Number(m[2] ?? 0), scale: kind === 'timestamptz' ? 6 : 0, bitData: false };
      expect({ kind, back: columnCanonical(facts, `sluice:${kind}`) }).toEqual({ kind, back: type });
      expect({ kind, untagged: columnCanonical(facts, null).kind }).toEqual({ kind, untagged: kind === 'timestamptz' ? 'timestamp' : 'text' });
    } else {
      expect({ kind, back }).toEqual({ kind, back: type });
    }
  }
  // A tag on a column whose storage does not fit is ignored.
  expect(columnCanonical({ typeName: 'INTEGER', length: 4, scale: 0, bitData: false }, 'sluice:json')).toEqual({ kind: 'int32' });
});

test('catalog facts spelt as DDL', () => {
  expect(nativeSpelling({ typeName: 'VARCHAR', length: 40, scale: 0, bitData: false, codeUnits32: true })).toBe('VARCHAR(40 CODEUNITS32)');
  expect(nativeSpelling({ typeName: 'VARCHAR', length: 16, scale: 0, bitData: true })).toBe('VARCHAR(16) FOR BIT DATA');
  expect(nativeSpelling({ typeName: 'CHARACTER', length: 36, scale: 0, bitData: false })).toBe('CHAR(36)');
  expect(nativeSpelling({ typeName: 'DECIMAL', length: 12, scale: 2, bitData: false })).toBe('DECIMAL(12,2)');
  expect(nativeSpelling({ typeName: 'TIMESTAMP', length: 10, scale: 6, bitData: false })).toBe('TIMESTAMP(6)');
  expect(nativeSpelling({ typeName: 'DECFLOAT', length: 8, scale: 0, bitData: false })).toBe('DECFLOAT(16)');
});

test('select and marker expressions read and bind every type exactly', () => {
  const col = (typeName: string, length = 0, scale = 0, bitData = false) => ({ typeName, length, scale, bitData, type: toCanonical(typeName) });
  const q = '"c"';
  expect({
    decimal: selectExpr(q, col('DECIMAL', 12, 2)), decfloat: selectExpr(q, col('DECFLOAT', 16)), date: selectExpr(q, col('DATE')),
    time: selectExpr(q, col('TIME')), timestamp: selectExpr(q, col('TIMESTAMP', 10, 6)), boolean: selectExpr(q, col('BOOLEAN')),
    xml: selectExpr(q, col('XML')), bigint: selectExpr(q, col('BIGINT')), blob: selectExpr(q, col('BLOB', 1024)),
  }).toMatchSnapshot();
  expect({
    varchar: markerExpr({ typeName: 'VARCHAR', length: 40, scale: 0, bitData: false, codeUnits32: true }),
    bitData: markerExpr({ typeName: 'VARCHAR', length: 16, scale: 0, bitData: true }),
    decimal: markerExpr({ typeName: 'DECIMAL', length: 30, scale: 10, bitData: false }),
    xml: markerExpr({ typeName: 'XML', length: 0, scale: 0, bitData: false }),
    clob: markerExpr({ typeName: 'CLOB', length: 1073741824, scale: 0, bitData: false }),
    boolean: markerExpr({ typeName: 'BOOLEAN', length: 1, scale: 0, bitData: false }),
  }).toMatchSnapshot();
});

test('decoding: exact canonical values from what the reader selects', () => {
  expect(decodeValue('9223372036854775807', { kind: 'int64' })).toBe('9223372036854775807');
  expect(decodeValue('-0000012345678901234567890.1234567890', { kind: 'decimal', precision: 30, scale: 10 })).toBe('-12345678901234567890.1234567890');
  expect(decodeValue('.0000000001', { kind: 'decimal' })).toBe('0.0000000001');
  expect(decodeValue('42,50', { kind: 'decimal' })).toBe('42.50');
  expect(decodeValue('-0.00', { kind: 'decimal' })).toBe('0.00');
  expect(normalizeDecimalText('1.5E+3')).toBe('1500');
  expect(normalizeDecimalText('-1.25E-3')).toBe('-0.00125');
  expect(normalizeDecimalText('12E0')).toBe('12');
  expect(decodeValue(3.4028234663852886e38, { kind: 'float32' })).toBe(3.4028234663852886e38);
  expect(decodeValue(1, { kind: 'bool' })).toBe(true);
  expect(decodeValue(0, { kind: 'bool' })).toBe(false);
  expect(decodeValue('2024-02-29', { kind: 'date' })).toBe('2024-02-29');
  expect(decodeValue('23:59:59', { kind: 'time' })).toBe('23:59:59');
  expect(decodeValue('23.59.59', { kind: 'time' })).toBe('23:59:59');
  expect(decodeValue('12:34:56.500000', { kind: 'time' })).toBe('12:34:56.5');
  expect(timestampText('9999-12-31-23.59.59.999999')).toBe('9999-12-31 23:59:59.999999');
  expect(decodeValue('2024-02-29-12.00.00.000000', { kind: 'timestamp' })).toBe('2024-02-29 12:00:00');
  expect(decodeValue('2024-02-29-12.00.00.500000', { kind: 'timestamptz' })).toBe('2024-02-29T12:00:00.5Z');
  expect(decodeValue('2024-02-29-12.00.00', { kind: 'timestamp' })).toBe('2024-02-29 12:00:00');
  expect(decodeValue('{"a":[1,null]}', { kind: 'json' })).toEqual({ a: [1, null] });
  expect(decodeValue('3F2504E0-4F89-41D3-9A0C-0305E82C3301', { kind: 'uuid' })).toBe('3f2504e0-4f89-41d3-9a0c-0305e82c3301');
  expect(decodeValue(Buffer.from([0, 255]), { kind: 'bytes' })).toEqual(Buffer.from([0, 255]));
  expect(decodeValue(null, { kind: 'text' })).toBeNull();
});

test('encoding: canonical values → ibm_db parameters, exact, bad values refused naming the column', () => {
  expect(encodeParam('-9223372036854775808', { kind: 'int64' }, 'c')).toBe('-9223372036854775808');
  expect(encodeParam(7, { kind: 'int32' }, 'c')).toBe('7');
  expect(() => encodeParam('2147483648', { kind: 'int32' }, 'c')).toThrow(/column c: .*out of range/);
  expect(() => encodeParam('1; DROP TABLE t', { kind: 'int64' }, 'c')).toThrow(/column c: value .* is not a valid int64/);
  // DB2 would truncate (DECIMAL) or round (DECFLOAT(34)) these without an error.
  expect(() => encodeParam('0.125', { kind: 'decimal', precision: 10, scale: 2 }, 'c')).toThrow(/column c: .*3 decimal places and the column keeps 2/);
  expect(() => encodeParam('1.' + '2'.repeat(34), { kind: 'decimal' }, 'c')).toThrow(/35 significant digits and the column keeps 34/);
  expect(encodeParam('0.1200', { kind: 'decimal', precision: 10, scale: 2 }, 'c')).toBe('0.1200');
  expect(encodeParam('-12345678901234567890.1234567890', { kind: 'decimal' }, 'c')).toBe('-12345678901234567890.1234567890');
  expect(encodeParam('1e-3', { kind: 'decimal' }, 'c')).toBe('0.001');
  expect(encodeParam(1.7976931348623157e308, { kind: 'float64' }, 'c')).toEqual({ ParamType: 'INPUT', DataType: 'DOUBLE', Data: 1.7976931348623157e308 });
  expect(() => encodeParam(Number.NaN, { kind: 'float64' }, 'c')).toThrow(/NaN/);
  expect(encodeParam(true, { kind: 'bool' }, 'c')).toBe(1);
  expect(encodeParam(false, { kind: 'bool' }, 'c')).toBe(0);
  expect(encodeParam(Buffer.from([0, 1]), { kind: 'bytes' }, 'c')).toEqual({ ParamType: 'INPUT', CType: 'BINARY', DataType: 'BLOB', Data: Buffer.from([0, 1]) });
  expect(encodeParam('9999-12-31 23:59:59.999999', { kind: 'timestamp' }, 'c')).toBe('9999-12-31-23.59.59.999999');
  expect(encodeParam('2024-02-29T12:00:00.5+02:00', { kind: 'timestamptz' }, 'c')).toBe('2024-02-29-10.00.00.5');
  expect(encodeParam('1970-01-01T00:00:01Z', { kind: 'timestamptz' }, 'c')).toBe('1970-01-01-00.00.01');
  expect(encodeParam('12:34:56.5', { kind: 'time' }, 'c')).toBe('12:34:56.5');
  expect(encodeParam({ quote: `'"\\` }, { kind: 'json' }, 'c')).toBe('{"quote":"\'\\"\\\\"}');
  expect(encodeParam('3F2504E0-4F89-41D3-9A0C-0305E82C3301', { kind: 'uuid' }, 'c')).toBe('3f2504e0-4f89-41d3-9a0c-0305e82c3301');
  expect(encodeParam(null, { kind: 'text' }, 'c')).toBeNull();
});
