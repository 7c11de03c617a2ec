import { Binary, Double, Int32, Long, ObjectId, type Document } from 'mongodb';

/**
 * The MongoDB "schema zoo": one database of collections holding what real document stores hold,
 * each collection one feature (a new feature is one entry). Only what FerretDB v1 (SQLite) stores
 * exactly — checked by writing and reading back every value; not here: Decimal128 and MinKey /
 * MaxKey (its connection panics on them).
 *
 * Per collection, what a copy to PostgreSQL and to MySQL/MariaDB creates (`types`: column →
 * [`format_type`, `COLUMN_TYPE`], every column) and warns (`warnings`: exactly, with `{json}` /
 * `{text}` / `{engine}` standing for the destination's native json and text type and its name).
 */
export interface ZooCollection {
  name: string;
  /** What it shows. */
  about: string;
  docs: () => Document[];
  types: Record<string, [pg: string, maria: string]>;
  warnings?: string[];
}

/** Fixed ObjectIds: a copy compares documents by `_id`. */
const oid = (n: number) => new ObjectId(n.toString(16).padStart(24, '0'));

export const ZOO: ZooCollection[] = [
  {
    name: 'oid_ids',
    about: 'generated ObjectId keys (every driver makes them): their 24-hex-digit text in a relational copy',
    docs: () => [
      { _id: oid(1), name: 'first' },
      { _id: oid(2), name: 'second' },
      { _id: new ObjectId('65a1b2c3d4e5f60718293a4b'), name: 'real-looking' },
    ],
    types: { _id: ['text', 'varchar(768)'], name: ['text', 'longtext'] },
    warnings: ['column _id: objectId (3 sampled) → {text}, carried as its text form (no {engine} counterpart)'],
  },
  {
    name: 'int_ids',
    about: 'Int32 keys, 0 included (a key like any other)',
    docs: () => [
      { _id: new Int32(0), label: 'zero' },
      { _id: new Int32(1), label: 'one' },
      { _id: new Int32(-7), label: 'minus seven' },
      { _id: new Int32(2147483647), label: 'max' },
    ],
    types: { _id: ['integer', 'int(11)'], label: ['text', 'longtext'] },
  },
  {
    name: 'string_ids',
    about: 'string keys, unicode and case included',
    docs: () => [
      { _id: 'a', v: new Int32(1) },
      { _id: 'B', v: new Int32(2) },
      { _id: 'ünïcødé ✓ 名前 🎉', v: new Int32(3) },
      { _id: '', v: new Int32(4) },
    ],
    types: { _id: ['text', 'varchar(768)'], v: ['integer', 'int(11)'] },
  },
  {
    name: 'nested',
    about: 'documents several levels deep, arrays of scalars and of documents, empty arrays and documents: one JSON column each',
    docs: () => [
      {
        _id: new Int32(1),
        profile: { name: { first: 'Ann', last: 'Lee' }, address: { city: 'Zürich', geo: { lat: new Double(47.37), lng: new Double(8.54) } } },
        tags: ['a', 'b', 'c'],
        lines: [{ sku: 'X-1', qty: new Int32(2) }, { sku: 'Y-2', qty: new Int32(1), options: { gift: true } }],
        none: [],
        blank: {},
      },
      { _id: new Int32(2), profile: { name: { first: 'Bob' } }, tags: [], lines: [], none: [], blank: {} },
    ],
    types: { _id: ['integer', 'int(11)'], profile: ['jsonb', 'longtext'], tags: ['jsonb', 'longtext'], lines: ['jsonb', 'longtext'], none: ['jsonb', 'longtext'], blank: ['jsonb', 'longtext'] },
  },
  {
    name: 'nested_bson',
    about: 'BSON types inside a nested document, which JSON has no value of: their text in a relational copy',
    docs: () => [
      { _id: new Int32(1), event: { at: new Date('2024-02-29T12:00:00.123Z'), by: oid(9), kind: 'login' } },
      { _id: new Int32(2), event: { kind: 'logout' } },
    ],
    types: { _id: ['integer', 'int(11)'], event: ['jsonb', 'longtext'] },
    warnings: ['column event: object (2 sampled) → {json}, nested BSON date, objectId values as JSON text'],
  },
  {
    name: 'dates',
    about: 'BSON dates (milliseconds, UTC): before 1970, far ahead, the year 1',
    docs: () => [
      { _id: new Int32(1), at: new Date('2024-02-29T12:00:00.123Z') },
      { _id: new Int32(2), at: new Date('1969-07-20T20:17:40Z') },
      { _id: new Int32(3), at: new Date('9999-12-31T23:59:59.999Z') },
      { _id: new Int32(4), at: new Date('0001-01-01T00:00:00Z') },
    ],
    types: { _id: ['integer', 'int(11)'], at: ['timestamp with time zone', 'datetime(6)'] },
    // MySQL/MariaDB: DATETIME(6) holding UTC, the generic timestamptz warning.
    warnings: ['mysql: column at: date (4 sampled) → DATETIME(6), held in UTC without its time zone'],
  },
  {
    name: 'numbers',
    about: 'Int32 (its extremes), Long (beyond 2^53 too), Double (whole ones too); Int32 with Long widens to Long, Int32 with Double to Double',
    docs: () => [
      { _id: new Int32(1), i: new Int32(-2147483648), l: Long.fromString('9007199254740993'), d: new Double(0.1), whole: new Double(2), il: new Int32(5), id: new Int32(1) },
      { _id: new Int32(2), i: new Int32(2147483647), l: Long.fromString('-9223372036854775808'), d: new Double(-1.5e300), whole: new Double(-3), il: Long.fromString('6000000000'), id: new Double(2.5) },
      { _id: new Int32(3), i: new Int32(0), l: Long.fromString('9223372036854775807'), d: new Double(1), whole: new Double(0), il: new Int32(7), id: new Int32(3) },
    ],
    types: {
      _id: ['integer', 'int(11)'], i: ['integer', 'int(11)'], l: ['bigint', 'bigint(20)'], d: ['double precision', 'double'], whole: ['double precision', 'double'],
      il: ['bigint', 'bigint(20)'], id: ['double precision', 'double'],
    },
  },
  {
    name: 'mixed',
    about: 'a field whose type differs between documents (int in one, string in another): JSON, warned',
    docs: () => [
      { _id: new Int32(1), v: new Int32(42) },
      { _id: new Int32(2), v: 'forty-two' },
      { _id: new Int32(3), v: new Int32(7) },
    ],
    types: { _id: ['integer', 'int(11)'], v: ['jsonb', 'longtext'] },
    warnings: ['column v: mixed (3 sampled) → {json}, several BSON types (int, string): each value as JSON'],
  },
  {
    name: 'nulls',
    about: 'null versus a missing field: both NULL in a relational copy, warned; kept apart in a MongoDB copy',
    docs: () => [
      { _id: new Int32(1), note: 'here', gone: 'here' },
      { _id: new Int32(2), note: null },
      { _id: new Int32(3) },
    ],
    types: { _id: ['integer', 'int(11)'], note: ['text', 'longtext'], gone: ['text', 'longtext'] },
    warnings: ['column note: string|null (3 sampled) → {text}, absent from some documents and null in others: both arrive as NULL'],
  },
  {
    name: 'flags',
    about: 'booleans',
    docs: () => [
      { _id: new Int32(1), on: true },
      { _id: new Int32(2), on: false },
    ],
    types: { _id: ['integer', 'int(11)'], on: ['boolean', 'tinyint(1)'] },
  },
  {
    name: 'binary',
    about: 'binData (subtype 0, zero bytes and empty included) and UUID (subtype 4)',
    docs: () => [
      { _id: new Int32(1), data: new Binary(Buffer.from([0, 1, 2, 255, 0]), 0), id: new Binary(Buffer.from('3f2504e04f8941d39a0c0305e82c3301', 'hex'), 4) },
      { _id: new Int32(2), data: new Binary(Buffer.alloc(0), 0), id: new Binary(Buffer.alloc(16), 4) },
    ],
    types: { _id: ['integer', 'int(11)'], data: ['bytea', 'longblob'], id: ['uuid', 'uuid'] },
  },
  {
    name: 'names',
    about: 'field names that are reserved words or mixed case, and a unicode one',
    docs: () => [
      { _id: new Int32(1), select: 'a', order: new Int32(1), Group: 'g', CamelCase: true, 'größe': 'XL' },
      { _id: new Int32(2), select: 'b', order: new Int32(2), Group: 'h', CamelCase: false, 'größe': 'S' },
    ],
    types: { _id: ['integer', 'int(11)'], select: ['text', 'longtext'], order: ['integer', 'int(11)'], Group: ['text', 'longtext'], CamelCase: ['boolean', 'tinyint(1)'], 'größe': ['text', 'longtext'] },
  },
  {
    name: 'big',
    about: 'a document near 300 KB (one long string, one long array)',
    docs: () => [
      { _id: new Int32(1), body: 'x'.repeat(250_000) + ' ✓', parts: Array.from({ length: 5_000 }, (_, i) => `part ${i}`) },
      { _id: new Int32(2), body: 'small', parts: [] },
    ],
    types: { _id: ['integer', 'int(11)'], body: ['text', 'longtext'], parts: ['jsonb', 'longtext'] },
  },
  {
    name: 'empty',
    about: 'a collection without documents: copied as an empty table keyed on _id',
    docs: () => [],
    types: { _id: ['text', 'varchar(768)'] },
  },
];

/** The warnings of `c` for a destination (`postgresql` / `mysql`), placeholders filled. */
export function zooWarnings(c: ZooCollection, engine: 'postgresql' | 'mysql'): string[] {
  const native = engine === 'postgresql' ? { json: 'jsonb', text: 'text' } : { json: 'JSON', text: 'LONGTEXT' };
  return (c.warnings ?? [])
    .filter((w) => !/^(postgresql|mysql): /.test(w) || w.startsWith(`${engine}: `))
    .map((w) => w.replace(/^(postgresql|mysql): /, '').replace('{json}', native.json).replace('{text}', native.text).replace('{engine}', engine));
}
