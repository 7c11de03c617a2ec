import { Binary, Decimal128, Double, Int32, Long, ObjectId } from 'mongodb';
import {
  CANONICAL_STORAGE,
  checkCollectionName,
  checkDatabaseName,
  checkFieldName,
  classifyMongoError,
  decimal128Text,
  decodeValue,
  dedupeByKey,
  FERRETDB_SERVER,
  MONGODB_SERVER,
  sampledStorage,
  standInOf,
  storageFor,
  typeMapperFor,
  describeCollection,
  encodeValue,
  fixedFraction,
  indexesOf,
  keysetFilter,
  mergeStorage,
  mongodbConfigSchema,
  mongodbConnector,
  storageOf,
  toCanonical,
  toClientOptions,
  toNative,
  toPlainJson,
} from '@sluice/connector-mongodb';
import { CANONICAL_KINDS, ConfigError, parseConfig, parseConnectionUrl, type CanonicalKind, type CanonicalType } from '@sluice/connector-sdk';
import { ROUND_TRIP_COLUMNS, comparable } from '@sluice/connector-sdk/dist/testkit/values';

// Pure functions: no server needed.

const config = (input: Record<string, unknown>) => parseConfig(mongodbConfigSchema, { connector_type: 'MongoDBConnector', ...input });

test('config: no-auth URL without a database defaults to `test`; username and password optional', () => {
  const c = config(parseConnectionUrl('mongodb://127.0.0.1:57017/'));
  expect(c).toMatchObject({ host: '127.0.0.1', port: 57017, database: 'test', username: '', password: '', protocol: 'mongodb', sample_size: 1000 });
  expect(config({ host: 'h', database: 'shop', username: 'u', password: 'p', auth_source: 'admin', replica_set: 'rs0' })).toMatchObject({
    port: 27017,
    auth_source: 'admin',
    replica_set: 'rs0',
  });
  expect(() => config({ host: 'h', nope: 1 })).toThrow(ConfigError);
  expect(() => config({ host: 'h', sample_size: 0 })).toThrow(/sample_size/);
});

test('config: MongoDB URL options map onto the config fields', () => {
  const fields = parseConnectionUrl('mongodb://u:p@h:27017/db?authSource=admin&replicaSet=rs0');
  expect(fields).toMatchObject({ auth_source: 'admin', replica_set: 'rs0', database: 'db' });
});

test('client options: credentials only when given, directConnection without a replica set, timeouts from connect_timeout_ms', () => {
  const noAuth = toClientOptions(config({ host: '127.0.0.1', port: 57017, connect_timeout_ms: 1234 }) as never);
  expect(noAuth.url).toBe('mongodb://127.0.0.1:57017/');
  expect(noAuth.options).toMatchObject({ serverSelectionTimeoutMS: 1234, connectTimeoutMS: 1234, directConnection: true, promoteLongs: false });
  expect(noAuth.options.auth).toBeUndefined();
  const auth = toClientOptions(config({ host: 'db.example', username: 'u', password: 'p@ss/word', auth_source: 'admin', replica_set: 'rs0' }) as never);
  expect(auth.url).not.toContain('p@ss');
  expect(auth.options).toMatchObject({ auth: { username: 'u', password: 'p@ss/word' }, authSource: 'admin', replicaSet: 'rs0' });
  expect(auth.options.directConnection).toBeUndefined();
  const srv = toClientOptions(config({ host: 'cluster.example', protocol: 'mongodb+srv' }) as never);
  expect(srv.url).toBe('mongodb+srv://cluster.example/');
  const tls = toClientOptions(config({ host: 'h', hooks_params: { SSL: { ssl_mode: 'require' } } }) as never);
  expect(tls.options).toMatchObject({ tls: true, tlsAllowInvalidCertificates: true });
  expect(() => toClientOptions(config({ host: 'h', hooks_params: { SSL: { ssl_mode: 'verify-full' } } }) as never)).toThrow(/ca/);
});

test('plugin data', () => {
  expect(mongodbConnector).toMatchObject({ type: 'mongodb', displayName: 'MongoDB', driver: 'mongodb', connectorType: 'MongoDBConnector', urlSchemes: ['mongodb', 'mongodb+srv'] });
  expect(mongodbConnector.capabilities.lacking).toHaveProperty('FOREIGN_KEY_MANAGEMENT');
  expect(mongodbConnector.capabilities.lacking).toHaveProperty('TRIGGER_MANAGEMENT');
  expect(mongodbConnector.capabilities.idempotentWriting).toBe('FULL');
});

test('type mapper: every canonical type has a native name that maps back to its kind', () => {
  for (const kind of CANONICAL_KINDS) {
    const native = toNative({ kind } as never);
    const back = toCanonical(native).kind;
    // int16 and float32 have no BSON type of their own: they come back widened (the metadata keeps them exact).
    const widened: Partial<Record<CanonicalKind, CanonicalKind>> = { int16: 'int32', float32: 'float64' };
    expect([kind, back]).toEqual([kind, widened[kind] ?? kind]);
  }
  expect(toNative({ kind: 'int64' })).toBe('long');
  expect(toNative({ kind: 'timestamptz' })).toBe('string (timestamptz)');
  expect(toCanonical('long|null (1000 sampled)')).toEqual({ kind: 'int64' });
  expect(toCanonical('objectId (3 sampled)')).toEqual({ kind: 'text' });
  // A BSON date holds milliseconds.
  expect(toCanonical('date')).toEqual({ kind: 'timestamptz', precision: 3 });
  expect(toCanonical('date (date)')).toEqual({ kind: 'date' });
  expect(toCanonical('date (timestamp)')).toEqual({ kind: 'timestamp', precision: 3 });
  expect(toCanonical('decimal')).toEqual({ kind: 'decimal' });
  expect(toCanonical('mixed|null (5 sampled)')).toEqual({ kind: 'json' });
});

test('encode → decode is exact for every round-trip value of every canonical type', () => {
  for (const column of ROUND_TRIP_COLUMNS) {
    const kind = column.type.kind;
    for (const value of [...column.values, null]) {
      const stored = encodeValue(value, kind, CANONICAL_STORAGE[kind]);
      expect({ kind, value: comparable(kind, decodeValue(stored, kind)) }).toEqual({ kind, value: comparable(kind, value) });
    }
  }
});

test('storage choice: BSON date for dates and ≤ 3-digit timestamps, Decimal128 on MongoDB up to 34 digits, exact text elsewhere (said why)', () => {
  const cases: [CanonicalType, mongo: string, ferretdb: string][] = [
    [{ kind: 'date' }, 'date', 'date'],
    [{ kind: 'timestamp', precision: 0 }, 'date', 'date'],
    [{ kind: 'timestamp', precision: 3 }, 'date', 'date'],
    [{ kind: 'timestamptz', precision: 3 }, 'date', 'date'],
    [{ kind: 'timestamp', precision: 4 }, 'timeString', 'timeString'],
    [{ kind: 'timestamptz' }, 'timeString', 'timeString'],
    [{ kind: 'time', precision: 0 }, 'timeString', 'timeString'],
    [{ kind: 'decimal', precision: 10, scale: 2 }, 'decimal', 'decimalString'],
    [{ kind: 'decimal', precision: 34, scale: 0 }, 'decimal', 'decimalString'],
    [{ kind: 'decimal', precision: 35, scale: 2 }, 'decimalString', 'decimalString'],
    [{ kind: 'decimal' }, 'decimalString', 'decimalString'],
  ];
  for (const [type, mongo, ferretdb] of cases) {
    expect({ type, mongo: storageFor(type, MONGODB_SERVER), ferretdb: storageFor(type, FERRETDB_SERVER) }).toEqual({ type, mongo, ferretdb });
  }
  // What each stand-in means and why, for the sync's per-column warning.
  expect(standInOf({ kind: 'decimal', precision: 10, scale: 2 }, MONGODB_SERVER)).toBeUndefined();
  expect(standInOf({ kind: 'decimal', precision: 10, scale: 2 }, FERRETDB_SERVER)).toBe('its exact text: the server (FerretDB) has no Decimal128');
  expect(standInOf({ kind: 'decimal', precision: 40, scale: 2 }, MONGODB_SERVER)).toBe("its exact text: 40 digits exceed Decimal128's 34");
  expect(standInOf({ kind: 'decimal' }, MONGODB_SERVER)).toBe("its exact text: an unbounded decimal may exceed Decimal128's 34 digits");
  expect(standInOf({ kind: 'timestamptz' }, MONGODB_SERVER)).toBe('its exact text (fixed width): a BSON date holds milliseconds, the column 6 fractional digits');
  expect(standInOf({ kind: 'time' }, MONGODB_SERVER)).toBe('its exact text (fixed width): BSON has no time of day');
  expect(standInOf({ kind: 'date' }, FERRETDB_SERVER)).toBeUndefined();
  expect(standInOf({ kind: 'timestamp', precision: 3 }, FERRETDB_SERVER)).toBeUndefined();
  // The native names a server's mapping gives, and what they read back as.
  const mongo = typeMapperFor(MONGODB_SERVER);
  const ferretdb = typeMapperFor(FERRETDB_SERVER);
  expect(mongo.toNative({ kind: 'decimal', precision: 10, scale: 2 })).toBe('decimal');
  expect(ferretdb.toNative({ kind: 'decimal', precision: 10, scale: 2 })).toBe('string (decimal)');
  expect(ferretdb.toNative({ kind: 'date' })).toBe('date (date)');
  expect(ferretdb.toNative({ kind: 'timestamp', precision: 0 })).toBe('date (timestamp)');
  expect(ferretdb.toNative({ kind: 'timestamptz', precision: 3 })).toBe('date');
  expect(ferretdb.toNative({ kind: 'timestamptz' })).toBe('string (timestamptz)');
  expect(mongodbConnector.types.toNative({ kind: 'decimal', precision: 10, scale: 2 })).toBe('string (decimal)');
  // A MongoDB source's sampled spelling names its storage (kept by a MongoDB → MongoDB copy).
  expect(sampledStorage('objectId (3 sampled)')).toBe('objectId');
  expect(sampledStorage('mixed|null (5 sampled)')).toBe('mixed');
  expect(sampledStorage('binData (uuid) (2 sampled)')).toBe('uuid');
  expect(sampledStorage('objectId')).toBeNull();
  expect(sampledStorage(undefined)).toBeNull();
});

test('a BSON date holds dates and millisecond timestamps exactly; a value it would change is refused, named', () => {
  const date = encodeValue('2024-02-29', 'date', 'date') as Date;
  expect(date.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  expect(decodeValue(date, 'date')).toBe('2024-02-29');
  for (const [value, kind] of [
    ['0001-01-01', 'date'],
    ['9999-12-31', 'date'],
    ['1969-07-20 20:17:40', 'timestamp'],
    ['2024-02-29 12:00:00.123', 'timestamp'],
    ['2024-02-29T12:00:00.5Z', 'timestamptz'],
    ['1000-01-01T00:00:00Z', 'timestamptz'],
  ] as [string, CanonicalKind][]) {
    expect({ value, back: decodeValue(encodeValue(value, kind, 'date'), kind) }).toEqual({ value, back: value });
  }
  // A zone other than UTC is the same instant.
  expect(decodeValue(encodeValue('2024-02-29T12:00:00+02:00', 'timestamptz', 'date'), 'timestamptz')).toBe('2024-02-29T10:00:00Z');
  expect(() => encodeValue('2024-02-29 12:00:00.1234', 'timestamp', 'date')).toThrow(/BSON date holds exactly/);
  expect(() => encodeValue('infinity', 'date', 'date')).toThrow(/"infinity" is not a date/);
  expect(() => encodeValue('10000-01-01', 'date', 'date')).toThrow(/BSON date/);
  expect(() => encodeValue('0044-03-15 BC', 'date', 'date')).toThrow(/BSON date/);
  expect(() => encodeValue('2024-02-30', 'date', 'date')).toThrow(/BSON date/);
});

test('Decimal128 (real MongoDB): exact, scale kept, plain text back; more than 34 digits refused', () => {
  for (const value of ['42.5000000000', '0.0000000001', '-12345678901234567890.1234567890', '100', '-0.00', '1.50']) {
    const stored = encodeValue(value, 'decimal', 'decimal');
    expect(stored).toBeInstanceOf(Decimal128);
    expect({ value, back: decodeValue(stored, 'decimal') }).toEqual({ value, back: value });
  }
  expect(decimal128Text(Decimal128.fromString('1E+3'))).toBe('1000');
  expect(() => encodeValue('1'.repeat(35), 'decimal', 'decimal')).toThrow(/more digits than a Decimal128/);
  expect(() => encodeValue('1e5', 'decimal', 'decimal')).toThrow(/not a decimal/);
});

test('temporal values are stored fixed-width so string order is time order', () => {
  expect(fixedFraction('2024-02-29T12:00:00.5Z')).toBe('2024-02-29T12:00:00.500000Z');
  expect(fixedFraction('1970-01-01T00:00:01Z')).toBe('1970-01-01T00:00:01.000000Z');
  expect(fixedFraction('12:34:56')).toBe('12:34:56.000000');
  const values = ['2024-01-01 00:00:05', '2024-01-01 00:00:05.5', '2024-01-01 00:00:05.25'];
  const stored = values.map((v) => encodeValue(v, 'timestamp', 'timeString') as string);
  expect([...stored].sort()).toEqual([stored[0], stored[2], stored[1]]);
  expect(decodeValue(stored[1], 'timestamp')).toBe('2024-01-01 00:00:05.5');
});

test('BSON values decode to the canonical representation', () => {
  const oid = new ObjectId('65a1b2c3d4e5f60718293a4b');
  expect(decodeValue(oid, 'text')).toBe('65a1b2c3d4e5f60718293a4b');
  expect(decodeValue(Long.fromString('9223372036854775807'), 'int64')).toBe('9223372036854775807');
  expect(decodeValue(new Int32(7), 'int32')).toBe(7);
  expect(decodeValue(5, 'int64')).toBe('5');
  expect(decodeValue(new Double(0.1), 'float64')).toBe(0.1);
  expect(decodeValue(Decimal128.fromString('-12.3400'), 'decimal')).toBe('-12.3400');
  expect(decodeValue(new Date('2024-02-29T12:00:00.500Z'), 'timestamptz')).toBe('2024-02-29T12:00:00.5Z');
  expect(decodeValue(new Date('2024-02-29T12:00:00Z'), 'timestamp')).toBe('2024-02-29 12:00:00');
  expect(decodeValue(new Binary(Buffer.from([0, 1, 255])), 'bytes')).toEqual(Buffer.from([0, 1, 255]));
  expect(decodeValue(new Binary(Buffer.from('3f2504e04f8941d39a0c0305e82c3301', 'hex'), 4), 'uuid')).toBe('3f2504e0-4f89-41d3-9a0c-0305e82c3301');
  // Nested documents become plain JSON with ObjectId / Date / Long inside converted to text (numbers when exact).
  expect(decodeValue({ a: oid, b: [new Date('2024-01-01T00:00:00Z'), Long.fromNumber(3), Long.fromString('9007199254740993')], c: { d: new Int32(1) } }, 'json')).toEqual({
    a: '65a1b2c3d4e5f60718293a4b',
    b: ['2024-01-01T00:00:00Z', 3, '9007199254740993'],
    c: { d: 1 },
  });
  expect(toPlainJson(null)).toBeNull();
  expect(decodeValue({ x: 1 }, 'text')).toBe('{"x":1}');
});

test('encoding refuses values the storage cannot hold', () => {
  expect(() => encodeValue('12x', 'int64', 'long')).toThrow(/64-bit/);
  expect(() => encodeValue('9223372036854775808', 'int64', 'long')).toThrow(/64-bit/);
  expect(encodeValue('-0042', 'int64', 'long')!.toString()).toBe('-42');
  expect(() => encodeValue(2 ** 31, 'int32', 'int')).toThrow(/32-bit/);
  expect(() => encodeValue('1e5', 'decimal', 'decimalString')).toThrow(/decimal/);
  expect(() => encodeValue('nope', 'uuid', 'uuid')).toThrow(/UUID/);
  expect(encodeValue('65a1b2c3d4e5f60718293a4b', 'text', 'objectId')).toBeInstanceOf(ObjectId);
});

test('storage inference: numbers widen, other mixes become json', () => {
  expect(storageOf(new Int32(1))).toBe('int');
  expect(storageOf(Long.fromNumber(1))).toBe('long');
  expect(storageOf(new ObjectId())).toBe('objectId');
  expect(storageOf({ a: 1 })).toBe('json');
  expect(storageOf([1])).toBe('json');
  expect(storageOf(new Binary(Buffer.alloc(16), 4))).toBe('uuid');
  expect(mergeStorage(['int', 'long'])).toBe('long');
  expect(mergeStorage(['int', 'double'])).toBe('double');
  expect(mergeStorage(['int', 'string'])).toBe('mixed');
  expect(mergeStorage([])).toBeNull();
});

test('describe: columns from sampled documents, nullable when absent or null, the sample count in nativeType', () => {
  const docs = [
    { _id: new ObjectId(), n: new Int32(1), s: 'a', nested: { x: 1 } },
    { _id: new ObjectId(), n: Long.fromNumber(2), s: null, tags: ['a'] },
    { _id: new ObjectId(), n: new Int32(3), s: 'c', nested: 'flat' },
  ];
  const info = describeCollection(null, docs);
  expect(info.sampled).toBe(3);
  expect(info.primaryKey).toEqual(['_id']);
  expect(info.fields.map((f) => [f.name, f.type.kind, f.nullable, f.nativeType])).toEqual([
    ['_id', 'text', false, 'objectId (3 sampled)'],
    ['n', 'int64', false, 'long (3 sampled)'],
    ['s', 'text', true, 'string|null (3 sampled)'],
    ['nested', 'json', true, 'mixed|null (3 sampled)'],
    ['tags', 'json', true, 'object|null (3 sampled)'],
  ]);
  // With metadata (createTable): its canonical types, the primary key's value in `_id` (not a column).
  const meta = { columns: [{ name: 'id', type: { kind: 'int64' as const }, nullable: false, identity: true }], primaryKey: ['id'] };
  const withMeta = describeCollection(meta, [{ _id: Long.fromNumber(1), id: Long.fromNumber(1), extra: true }]);
  expect(withMeta.fields.map((f) => [f.name, f.type, f.identity])).toEqual([
    ['id', { kind: 'int64' }, true],
    ['extra', { kind: 'bool' }, false],
  ]);
});

test('describe: what a relational copy loses that the type does not say, per field (carry)', () => {
  const docs = [
    { _id: new Int32(1), v: new Int32(1), note: 'x', event: { at: new Date(0), by: new ObjectId() }, plain: { a: [1, { b: 'c' }] } },
    { _id: new Int32(2), v: 'one', note: null, event: { id: new Binary(Buffer.alloc(16), 4) }, plain: {} },
    { _id: new Int32(3), v: new Int32(3) },
  ];
  const carry = Object.fromEntries(describeCollection(null, docs).fields.map((f) => [f.name, f.carry]));
  expect(carry).toEqual({
    _id: undefined,
    v: 'several BSON types (int, string): each value as JSON',
    note: 'absent from some documents and null in others: both arrive as NULL',
    event: 'nested BSON date, objectId, binData (uuid) values as JSON text',
    plain: undefined,
  });
  // Null in some documents and present in the others (or absent in some, never null): nothing to say.
  expect(describeCollection(null, [{ _id: 1, n: null }, { _id: 2, n: 'a' }]).fields.find((f) => f.name === 'n')!.carry).toBeUndefined();
});

test('indexes: _id_ and _sluice_pk are not unique constraints', () => {
  const { indexes, uniqueConstraints } = indexesOf([
    { v: 2, key: { _id: 1 }, name: '_id_' },
    { v: 2, key: { a: 1, b: -1 }, name: 'a_b', sparse: true },
    { v: 2, key: { email: 1 }, name: 'email_key', unique: true },
    { v: 2, key: { k1: 1, k2: 1 }, name: '_sluice_pk', unique: true },
  ] as never);
  expect(uniqueConstraints).toEqual([{ name: 'email_key', columns: ['email'] }]);
  expect(indexes.map((i) => [i.name, i.columns, i.unique])).toEqual([
    ['_id_', ['_id'], true],
    ['a_b', ['a', 'b'], false],
    ['email_key', ['email'], true],
    ['_sluice_pk', ['k1', 'k2'], true],
  ]);
  expect(JSON.parse(indexes[1]!.definition!)).toEqual({ key: { a: 1, b: -1 }, options: { sparse: true } });
});

test('keyset filter: OR expansion, inclusive for until', () => {
  expect(keysetFilter(['_id'], [5], '$gt')).toEqual({ _id: { $gt: 5 } });
  expect(keysetFilter(['a', 'b'], [1, 2], '$gt')).toEqual({ $or: [{ a: { $gt: 1 } }, { a: { $eq: 1 }, b: { $gt: 2 } }] });
  expect(keysetFilter(['a', 'b'], [1, 2], '$lt', true)).toEqual({
    $or: [{ a: { $lt: 1 } }, { a: { $eq: 1 }, b: { $lt: 2 } }, { a: { $eq: 1 }, b: { $eq: 2 } }],
  });
});

test('dedupe keeps the last row of a key (Buffers compared by content)', () => {
  expect(dedupeByKey([[1, 'a'], [2, 'b'], [1, 'c']], [0])).toEqual([[2, 'b'], [1, 'c']]);
  expect(dedupeByKey([[Buffer.from([1]), 'a'], [Buffer.from([1]), 'b'], [Buffer.from([2]), 'c']], [0]).map((r) => r[1])).toEqual(['b', 'c']);
});

test('names: dots and a leading $ in field names are refused clearly, as are invalid collection and database names', () => {
  for (const ok of ['sp ace', `it's`, 'x"; DROP', 'ünïcødé ✓ 名前', 'semi;colon', '_id']) expect(() => checkFieldName(ok)).not.toThrow();
  expect(() => checkFieldName('a.b')).toThrow(/'\.'/);
  expect(() => checkFieldName('$where')).toThrow(/\$/);
  expect(() => checkFieldName('')).toThrow(/non-empty/);
  expect(() => checkCollectionName('we$ird')).toThrow(/\$/);
  expect(() => checkCollectionName('system.users')).toThrow(/system/);
  expect(() => checkCollectionName('a"b')).not.toThrow();
  expect(() => checkCollectionName('a"b', true)).toThrow(/FerretDB/);
  expect(() => checkDatabaseName('sp ace')).toThrow(/database name/);
  expect(() => checkDatabaseName('a.b')).toThrow(/database name/);
  expect(() => checkDatabaseName('x'.repeat(64))).toThrow(/64 bytes/);
  expect(() => checkDatabaseName('shop_1')).not.toThrow();
});

test('errors: stable codes, secrets removed', () => {
  expect(classifyMongoError(Object.assign(new Error('Authentication failed.'), { name: 'MongoServerError', code: 18 }), []).code).toBe('AUTHENTICATION_FAILED');
  const refused = classifyMongoError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'MongoServerSelectionError' }));
  expect([refused.code, refused.retryable]).toEqual(['HOST_UNREACHABLE', true]);
  expect(classifyMongoError(Object.assign(new Error('Server selection timed out after 100 ms'), { name: 'MongoServerSelectionError' })).code).toBe('TIMEOUT');
  expect(classifyMongoError(new Error('bad s3cr3t-pw'), ['s3cr3t-pw']).message).not.toContain('s3cr3t-pw');
  expect(classifyMongoError(Object.assign(new Error('E11000 duplicate key'), { code: 11000 })).retryable).toBe(false);
});
