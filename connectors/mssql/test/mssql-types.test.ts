import { TYPES as TDS } from 'tedious';
import { CANONICAL_KINDS, type CanonicalType } from '@sluice/connector-sdk';
import { ROUND_TRIP_COLUMNS, comparable } from '@sluice/connector-sdk/dist/testkit';
import mssql, { decodeValue, encodeValue, nativeTypeName, parseNativeType, plainDecimal, toCanonical, toNative, toTediousDate, wireType, type MssqlColumn } from '@sluice/connector-mssql';

const column = (nativeType: string, type?: CanonicalType): MssqlColumn => {
  const p = parseNativeType(nativeType);
  return { name: 'c', nativeType, ...p, type: type ?? toCanonical(nativeType), nullable: true, identity: false, readOnly: false, default: null };
};

describe('native ⇄ canonical', () => {
  test('every canonical type maps to a native type that maps back to it', () => {
    const types: CanonicalType[] = [
      ...CANONICAL_KINDS.filter((k) => k !== 'json').map((kind) => ({ kind }) as CanonicalType),
      { kind: 'decimal', precision: 12, scale: 2 },
      { kind: 'decimal', precision: 38, scale: 0 },
      { kind: 'text', maxLength: 40 },
      { kind: 'text', maxLength: 4000 },
      { kind: 'text', maxLength: 20, fixed: true },
      { kind: 'bytes', maxLength: 16 },
      { kind: 'bytes', maxLength: 8000 },
    ];
    const back = types.map((t) => [t, toNative(t), toCanonical(toNative(t))]);
    expect(back).toMatchSnapshot();
    for (const [t, , b] of back) {
      if ((t as CanonicalType).kind === 'decimal' && (t as { precision?: number }).precision === undefined) continue;
      expect(b).toEqual(t);
    }
    // json is NVARCHAR(MAX); createTable adds the ISJSON check introspection reads as json.
    expect(toNative({ kind: 'json' })).toBe('NVARCHAR(MAX)');
    expect(toNative({ kind: 'decimal' })).toBe('DECIMAL(38,10)');
    expect(toNative({ kind: 'text', maxLength: 4001 })).toBe('NVARCHAR(MAX)');
    expect(() => toNative({ kind: 'decimal', precision: 39, scale: 2 })).toThrow(/DECIMAL\(38/);
  });

  test('native types as the catalog spells them', () => {
    const natives = [
      ['bit', -1, 1, 0], ['tinyint', 1, 3, 0], ['smallint', 2, 5, 0], ['int', 4, 10, 0], ['bigint', 8, 19, 0],
      ['decimal', 17, 30, 10], ['numeric', 9, 18, 0], ['money', 8, 19, 4], ['smallmoney', 4, 10, 4], ['real', 4, 24, 0], ['float', 8, 53, 0],
      ['char', 10, 0, 0], ['varchar', -1, 0, 0], ['varchar', 255, 0, 0], ['nchar', 20, 0, 0], ['nvarchar', 400, 0, 0], ['nvarchar', -1, 0, 0], ['sysname', 256, 0, 0],
      ['text', 16, 0, 0], ['ntext', 16, 0, 0], ['xml', -1, 0, 0], ['binary', 16, 0, 0], ['varbinary', -1, 0, 0], ['image', 16, 0, 0], ['timestamp', 8, 0, 0],
      ['date', 3, 10, 0], ['time', 5, 16, 7], ['time', 5, 15, 6], ['datetime', 8, 23, 3], ['smalldatetime', 4, 16, 0], ['datetime2', 8, 27, 7], ['datetime2', 8, 26, 6],
      ['datetimeoffset', 10, 34, 7], ['uniqueidentifier', 16, 0, 0], ['sql_variant', 8016, 0, 0], ['hierarchyid', 892, 0, 0], ['geography', -1, 0, 0], ['json', -1, 0, 0],
    ] as const;
    const mapped = natives.map(([base, len, p, s]) => {
      const native = nativeTypeName(base, len, p, s);
      return [native, toCanonical(native)];
    });
    expect(mapped).toMatchSnapshot();
    expect(toCanonical('nvarchar(200)')).toEqual({ kind: 'text', maxLength: 200 });
    expect(toCanonical('decimal(12,2)')).toEqual({ kind: 'decimal', precision: 12, scale: 2 });
    expect(toCanonical('datetimeoffset(6)')).toEqual({ kind: 'timestamptz' });
    expect(toCanonical('float(24)')).toEqual({ kind: 'float32' });
    expect(mssql.types.toCanonical('BIGINT')).toEqual({ kind: 'int64' });
  });
});

describe('values', () => {
  const natives: Record<string, string> = {
    int16: 'smallint', int32: 'int', int64: 'bigint', decimal: 'decimal(30,10)', float32: 'real', float64: 'float', bool: 'bit', text: 'nvarchar(max)',
    bytes: 'varbinary(max)', date: 'date', time: 'time(6)', timestamp: 'datetime2(6)', timestamptz: 'datetimeoffset(6)', json: 'nvarchar(max)', uuid: 'uniqueidentifier',
  };

  /** What tedious (useUTC) returns for a value it encoded: the Date back with the sub-millisecond part as `nanosecondsDelta`. */
  function asTediousReturns(value: unknown): unknown {
    if (!(value instanceof Date)) return value;
    const back = new Date(value.getTime());
    const delta = (value as Date & { nanosecondDelta?: number }).nanosecondDelta ?? 0;
    Object.defineProperty(back, 'nanosecondsDelta', { value: Math.round(delta * 1e7) / 1e7 });
    return back;
  }

  test('every canonical round-trip value survives encode → (driver) → decode exactly', () => {
    for (const c of ROUND_TRIP_COLUMNS) {
      const col = column(c.type.kind === 'text' && c.type.maxLength ? `nvarchar(${c.type.maxLength})` : natives[c.type.kind]!, c.type);
      for (const value of c.values) {
        let wire = encodeValue(value, col);
        // The server's answer: decimals come back as their exact text (CONVERT), json as its text.
        if (c.type.kind === 'decimal') wire = `${wire}`;
        const decoded = decodeValue(asTediousReturns(wire), col);
        expect({ column: c.name, value: comparable(c.type.kind, decoded) }).toEqual({ column: c.name, value: comparable(c.type.kind, value) });
      }
      expect(encodeValue(null, col)).toBeNull();
      expect(decodeValue(null, col)).toBeNull();
    }
  });

  test('tedious encodes our Dates to the exact 100 ns ticks (datetime2, time, datetimeoffset) and days (date)', () => {
    const ticks = (type: { generateParameterData: (p: unknown, o: unknown) => Iterable<Buffer> }, value: Date, scale: number) =>
      Buffer.concat([...type.generateParameterData({ value, scale }, { useUTC: true })]);
    const dt2 = ticks(TDS.DateTime2 as never, toTediousDate('2024-02-29 12:00:00.123456', 'timestamp', 'c'), 7);
    // 5 bytes of 100 ns ticks since midnight, then 3 bytes of days since 0001-01-01.
    expect(dt2.readUIntLE(0, 5)).toBe((12 * 3600 + 0.123456) * 1e7);
    expect(dt2.readUIntLE(5, 3)).toBe(738944);
    const t6 = ticks(TDS.Time as never, toTediousDate('23:59:59.999999', 'time', 'c'), 6);
    expect(t6.readUIntLE(0, 5)).toBe(86399999999);
    const dto = ticks(TDS.DateTimeOffset as never, toTediousDate('2038-01-19T05:14:07.999999+02:00', 'timestamptz', 'c'), 6);
    expect(dto.readUIntLE(0, 5)).toBe((3 * 3600 + 14 * 60 + 7) * 1e6 + 999999);
    const old = toTediousDate('1000-01-01', 'date', 'c');
    expect(Buffer.concat([...(TDS.Date as never as { generateParameterData: (p: unknown, o: unknown) => Iterable<Buffer> }).generateParameterData({ value: old }, { useUTC: true })]).readUIntLE(0, 3)).toBe(364877);
  });

  test('decoding tedious values: bigint strings, exact decimals, lower-case uuids, UTC temporal text with 100 ns', () => {
    const d = new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 123));
    Object.defineProperty(d, 'nanosecondsDelta', { value: 0.0004 });
    expect(decodeValue(Object.defineProperty(new Date(d.getTime()), 'nanosecondsDelta', { value: 0.0000004 }), column('datetime2(7)'))).toBe('2024-02-29 12:00:00.1230004');
    expect(decodeValue(d, column('datetime2(7)'))).toBe('2024-02-29 12:00:00.1234');
    expect(decodeValue(d, column('datetimeoffset(7)'))).toBe('2024-02-29T12:00:00.1234Z');
    expect(decodeValue(new Date(Date.UTC(2024, 0, 1)), column('datetime'))).toBe('2024-01-01 00:00:00');
    expect(decodeValue(new Date(Date.UTC(1970, 0, 1, 0, 0, 5, 500)), column('time(7)'))).toBe('00:00:05.5');
    const y1 = new Date(0);
    y1.setUTCFullYear(1, 0, 1);
    expect(decodeValue(y1, column('date'))).toBe('0001-01-01');
    expect(decodeValue('9223372036854775807', column('bigint'))).toBe('9223372036854775807');
    expect(decodeValue('-12345678901234567890.1234567890', column('decimal(30,10)'))).toBe('-12345678901234567890.1234567890');
    expect(decodeValue('3F2504E0-4F89-41D3-9A0C-0305E82C3301', column('uniqueidentifier'))).toBe('3f2504e0-4f89-41d3-9a0c-0305e82c3301');
    expect(decodeValue(true, column('bit'))).toBe(true);
    expect(decodeValue('{"a":[1]}', column('nvarchar(max)', { kind: 'json' }))).toEqual({ a: [1] });
    // char / nchar are blank-padded: read without the pad (canonical fixed text); varchar keeps its spaces.
    expect(decodeValue('English             ', column('nchar(20)'))).toBe('English');
    expect(decodeValue('  lead ', column('char(7)'))).toBe('  lead');
    expect(decodeValue('kept  ', column('nvarchar(20)'))).toBe('kept  ');
  });

  test('encoding refuses what the column cannot hold, naming the column', () => {
    expect(() => encodeValue('12x', column('bigint'))).toThrow(/column c: value "12x" is not a valid int64/);
    expect(() => encodeValue('1.2.3', column('decimal(10,2)'))).toThrow(/not a valid decimal/);
    expect(() => encodeValue(NaN, column('float'))).toThrow(/NaN or Infinity/);
    expect(() => encodeValue('2024-02-30', column('date'))).toThrow(/not a valid date/);
    expect(() => encodeValue('25:00:00', column('time(6)'))).toThrow(/not a valid time/);
    expect(() => encodeValue('yes', column('bit'))).toThrow(/not a valid bool/);
    expect(encodeValue('1.5e3', column('decimal(10,2)'))).toBe('1500');
    // SQL Server would round these without an error (an unbounded numeric lands in DECIMAL(38,10)).
    expect(() => encodeValue('0.12345678901', column('decimal(38,10)'))).toThrow(/column c: .*11 decimal places and the column keeps 10: it would be rounded/);
    expect(() => encodeValue('1.23456', column('money'))).toThrow(/5 decimal places and the column keeps 4/);
    expect(encodeValue('1.2345000', column('money'))).toBe('1.2345000');
    expect(encodeValue(1n, column('bigint'))).toBe('1');
    expect(encodeValue('ABC', column('uniqueidentifier'))).toBe('abc');
    expect(plainDecimal('-.5')).toBe('-0.5');
    expect(plainDecimal('')).toBeNull();
  });

  test('wire types: the column own type, except decimals (exact text) and fixed/legacy types (staged)', () => {
    const shown = ['int', 'bigint', 'decimal(30,10)', 'money', 'nvarchar(40)', 'varchar(max)', 'char(3)', 'binary(4)', 'datetime2(3)', 'time(7)', 'xml'].map((n) => {
      const w = wireType(column(n));
      return [n, w.spec.type.name, w.spec.length ?? null, w.spec.scale ?? null, w.converted];
    });
    expect(shown).toMatchSnapshot();
  });
});
