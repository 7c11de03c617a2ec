import { Binary, Decimal128, Double, Int32, Long, ObjectId } from 'mongodb';
import { ConnectorError, TestCode, trimFraction, type CanonicalKind, type CanonicalType, type TypeMapper } from '@sluice/connector-sdk';

/**
 * How a field is stored in BSON. A collection made by `createTable` stores
 * each canonical type so that the value read back equals the value written
 * (see CANONICAL_STORAGE); a collection found on the server is described by
 * the BSON types its sampled documents hold.
 */
export type Storage =
  | 'int' // BSON int32
  | 'long' // BSON int64
  | 'double'
  | 'decimal' // BSON decimal128 (real MongoDB; FerretDB v1 has none)
  | 'decimalString' // exact decimal text
  | 'bool'
  | 'string'
  | 'binData' // subtype 0
  | 'uuid' // binData subtype 4
  | 'date' // BSON date (milliseconds, UTC)
  | 'timeString' // fixed-width text with 6 fractional digits: sorts like the instant
  | 'objectId'
  | 'json' // nested document / array / any JSON value
  | 'mixed'; // several BSON types: read as JSON

/**
 * Canonical type → storage, chosen so that round trips are exact:
 * - int64 → long; int16/int32 → int; float32/float64 → double.
 * - decimal → text: BSON decimal128 would do on MongoDB, but FerretDB v1
 *   cannot store it (its connection panics), and text keeps the scale as written.
 * - bytes → binData (subtype 0); uuid → binData subtype 4.
 * - date → "YYYY-MM-DD" text; time / timestamp / timestamptz → fixed-width text
 *   with six fractional digits ("2024-02-29T12:00:00.500000Z"): a BSON date has
 *   milliseconds only and would lose microseconds; fixed width keeps string
 *   order = time order, so `since` and key ranges work on them.
 * - json → the nested document / array itself (relational → documents).
 */
export const CANONICAL_STORAGE: Record<CanonicalKind, Storage> = {
  int16: 'int',
  int32: 'int',
  int64: 'long',
  decimal: 'decimalString',
  float32: 'double',
  float64: 'double',
  bool: 'bool',
  text: 'string',
  bytes: 'binData',
  date: 'string',
  time: 'timeString',
  timestamp: 'timeString',
  timestamptz: 'timeString',
  json: 'json',
  uuid: 'uuid',
};

/** Canonical type of a storage found by sampling. objectId is read as its 24-hex-digit text. */
export const STORAGE_CANONICAL: Record<Storage, CanonicalType> = {
  int: { kind: 'int32' },
  long: { kind: 'int64' },
  double: { kind: 'float64' },
  decimal: { kind: 'decimal' },
  decimalString: { kind: 'decimal' },
  bool: { kind: 'bool' },
  string: { kind: 'text' },
  binData: { kind: 'bytes' },
  uuid: { kind: 'uuid' },
  date: { kind: 'timestamptz' },
  timeString: { kind: 'timestamp' },
  objectId: { kind: 'text' },
  json: { kind: 'json' },
  mixed: { kind: 'json' },
};

/** The "native" names shown for canonical types (BSON type aliases; `string (…)` where text stands in). */
const NATIVE: Record<CanonicalKind, string> = {
  int16: 'int',
  int32: 'int',
  int64: 'long',
  decimal: 'string (decimal)',
  float32: 'double',
  float64: 'double',
  bool: 'bool',
  text: 'string',
  bytes: 'binData',
  date: 'string (date)',
  time: 'string (time)',
  timestamp: 'string (timestamp)',
  timestamptz: 'string (timestamptz)',
  json: 'object',
  uuid: 'binData (uuid)',
};

/** The storage of a BSON value (null/undefined: none). */
export function storageOf(value: unknown): Storage | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) && Math.abs(value) <= 2147483647 ? 'int' : 'double';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'bigint':
      return 'long';
    case 'object':
      break;
    default:
      return 'mixed';
  }
  if (value instanceof Date) return 'date';
  const bsontype = (value as { _bsontype?: string })._bsontype;
  switch (bsontype) {
    case 'Long':
      return 'long';
    case 'Int32':
      return 'int';
    case 'Double':
      return 'double';
    case 'Decimal128':
      return 'decimal';
    case 'ObjectId':
      return 'objectId';
    case 'Binary':
      return (value as Binary).sub_type === Binary.SUBTYPE_UUID ? 'uuid' : 'binData';
    case undefined:
      return Buffer.isBuffer(value) ? 'binData' : 'json';
    default:
      return 'mixed';
  }
}

/** One storage for a field from the storages seen: numbers widen (int ⊂ long ⊂ double), anything else mixed → json. */
export function mergeStorage(seen: Iterable<Storage>): Storage | null {
  const set = new Set(seen);
  if (set.size === 0) return null;
  if (set.size === 1) return [...set][0]!;
  const numeric = ['int', 'long', 'double'];
  if ([...set].every((s) => numeric.includes(s))) return set.has('double') ? 'double' : 'long';
  return 'mixed';
}

/** Pads fractional seconds to six digits: "12:00:00.5" → "12:00:00.500000", "…Z" kept at the end. */
export function fixedFraction(text: string): string {
  const m = /^(.*?\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z?)$/.exec(text);
  if (!m) return text;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}${m[3]}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A JS Date as canonical text of `kind` (milliseconds, trailing zeros trimmed). */
export function dateText(d: Date, kind: CanonicalKind): string {
  const ymd = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const hms = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  if (kind === 'date') return ymd;
  if (kind === 'time') return trimFraction(hms);
  if (kind === 'timestamp') return trimFraction(`${ymd} ${hms}`);
  return trimFraction(`${ymd}T${hms}Z`);
}

const refuse = (message: string) => new ConnectorError(TestCode.DRIVER_ERROR, message, false);

/** Encodes a canonical value for a field stored as `storage` (canonical kind `kind`). Throws a non-retryable error for a value it cannot hold. */
export function encodeValue(value: unknown, kind: CanonicalKind, storage: Storage): unknown {
  if (value === null || value === undefined) return null;
  switch (storage) {
    case 'int': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw refuse(`not a 32-bit integer: ${String(value).slice(0, 40)}`);
      return new Int32(n);
    }
    case 'long':
    {
      const text = String(value).trim().replace(/^\+/, '');
      const long = /^-?\d+$/.test(text) && (typeof value !== 'number' || Number.isSafeInteger(value)) ? Long.fromString(text) : null;
      // Long.fromString wraps on overflow: the text must read back the same.
      if (!long || long.toString() !== text.replace(/^(-?)0+(?=\d)/, '$1').replace(/^-0$/, '0')) {
        throw refuse(`not a 64-bit integer: ${String(value).slice(0, 40)}`);
      }
      return long;
    }
    case 'double':
      return new Double(Number(value));
    case 'decimal':
      return Decimal128.fromString(String(value));
    case 'decimalString':
      if (!/^[-+]?\d+(\.\d+)?$/.test(String(value).trim())) throw refuse(`not a decimal: ${String(value).slice(0, 40)}`);
      return String(value).trim();
    case 'bool':
      return Boolean(value);
    case 'string':
      if (value instanceof Date) return dateText(value, kind);
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'binData':
      return new Binary(Buffer.isBuffer(value) ? value : Buffer.from(value as string), Binary.SUBTYPE_DEFAULT);
    case 'uuid': {
      const hex = String(value).replace(/-/g, '').toLowerCase();
      if (!/^[0-9a-f]{32}$/.test(hex)) throw refuse(`not a UUID: ${String(value).slice(0, 40)}`);
      return new Binary(Buffer.from(hex, 'hex'), Binary.SUBTYPE_UUID);
    }
    case 'date':
      return value instanceof Date ? value : new Date(kind === 'timestamp' ? `${String(value).replace(' ', 'T')}Z` : String(value));
    case 'timeString':
      return fixedFraction(value instanceof Date ? dateText(value, kind) : String(value));
    case 'objectId':
      return typeof value === 'string' && /^[0-9a-f]{24}$/i.test(value) ? new ObjectId(value) : value;
    case 'json':
    case 'mixed':
      return value;
  }
}

/** A BSON value as plain JSON: ObjectId → hex, Date → ISO text, Long → number (text beyond 2^53), Decimal128 → text, binary → base64 (UUID → text). */
export function toPlainJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (typeof value !== 'object') return value;
  if (value instanceof Date) return dateText(value, 'timestamptz');
  switch ((value as { _bsontype?: string })._bsontype) {
    case 'ObjectId':
      return (value as ObjectId).toHexString();
    case 'Long': {
      const l = value as Long;
      const n = l.toNumber();
      return Number.isSafeInteger(n) ? n : l.toString();
    }
    case 'Int32':
    case 'Double':
      return (value as Int32).valueOf();
    case 'Decimal128':
      return (value as Decimal128).toString();
    case 'Binary': {
      const b = value as Binary;
      return b.sub_type === Binary.SUBTYPE_UUID ? uuidText(b) : Buffer.from(b.value()).toString('base64');
    }
    case undefined:
      if (Buffer.isBuffer(value)) return value.toString('base64');
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toPlainJson(v)]));
    default:
      return String(value);
  }
}

function uuidText(b: Binary): string {
  const h = Buffer.from(b.value()).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Decodes a BSON value into the canonical JS value of `kind` (read with promoteLongs: false). */
export function decodeValue(value: unknown, kind: CanonicalKind): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'json') return toPlainJson(value);
  if (typeof value === 'string') {
    if (kind === 'time' || kind === 'timestamp' || kind === 'timestamptz') return trimFraction(value);
    return value;
  }
  if (typeof value === 'number') {
    if (kind === 'int64' || kind === 'decimal' || kind === 'text') return String(value);
    return value;
  }
  if (typeof value === 'boolean') return kind === 'text' ? String(value) : value;
  if (value instanceof Date) return dateText(value, kind);
  switch ((value as { _bsontype?: string })._bsontype) {
    case 'ObjectId':
      return (value as ObjectId).toHexString();
    case 'Long':
      return kind === 'int16' || kind === 'int32' || kind === 'float32' || kind === 'float64' ? (value as Long).toNumber() : (value as Long).toString();
    case 'Int32':
    case 'Double':
      return decodeValue((value as Int32).valueOf(), kind);
    case 'Decimal128':
      return (value as Decimal128).toString();
    case 'Binary': {
      const b = value as Binary;
      if (b.sub_type === Binary.SUBTYPE_UUID && kind !== 'bytes') return uuidText(b);
      return Buffer.from(b.value());
    }
  }
  const plain = toPlainJson(value);
  return kind === 'text' ? JSON.stringify(plain) : plain;
}

/**
 * Field names MongoDB treats specially: `.` is a path separator and a
 * leading `$` an operator (FerretDB refuses both in stored documents). The
 * connector refuses such names clearly instead of escaping them (an escape
 * would make the names on MongoDB differ from the source's).
 * FerretDB v1 (SQLite) inserts a field name with `"` but its updates fail
 * ("malformed JSON"): refused there too.
 */
export function checkFieldName(name: string, ferretdb = false): void {
  if (name === '' || name.includes('.') || name.startsWith('$') || name.includes('\0') || (ferretdb && name.includes('"'))) {
    throw new ConnectorError(
      TestCode.DRIVER_ERROR,
      `column name ${JSON.stringify(name)} cannot be a MongoDB field name: it must be non-empty, contain no '.' or NUL and not start with '$'` +
        (ferretdb ? `; FerretDB v1 also takes no '"' (its SQLite backend corrupts updates of such fields)` : ''),
      false,
    );
  }
}

/** Collection names: non-empty, no `$` or NUL, not `system.*`; on FerretDB v1 (SQLite) also no `"` (its catalog SQL breaks on it). */
export function checkCollectionName(name: string, ferretdb = false): void {
  const bad = name === '' || name.includes('$') || name.includes('\0') || name.startsWith('system.') || (ferretdb && name.includes('"'));
  if (bad) {
    throw new ConnectorError(
      TestCode.DRIVER_ERROR,
      `${JSON.stringify(name)} cannot be a MongoDB collection name: it must be non-empty, contain no '$' or NUL, not start with 'system.'` +
        (ferretdb ? `, and (FerretDB v1) contain no '"'` : ''),
      false,
    );
  }
}

/** Database names: non-empty, fewer than 64 bytes, none of / \ . " $ space NUL. */
export function checkDatabaseName(name: string): void {
  if (name === '' || /[/\\. "$\0*<>:|?]/.test(name) || Buffer.byteLength(name) >= 64) {
    throw new ConnectorError(
      TestCode.DRIVER_ERROR,
      `${JSON.stringify(name)} cannot be a MongoDB database name: it must be non-empty, shorter than 64 bytes and contain none of / \\ . " $ * < > : | ? space`,
      false,
    );
  }
}

/** Canonical type of a native name as `toNative` and introspection spell it ("long", "string (timestamptz)", "int|null (1000 sampled)"). */
export function toCanonical(nativeType: string): CanonicalType {
  const base = nativeType.replace(/\s*\(\d+ sampled\)$/, '').replace(/\|null$/, '').trim();
  const hinted = /^(?:string|binData) \((\w+)\)$/.exec(base);
  if (hinted && hinted[1] !== 'uuid') return { kind: hinted[1] as CanonicalKind };
  switch (base) {
    case 'int':
      return { kind: 'int32' };
    case 'long':
      return { kind: 'int64' };
    case 'double':
      return { kind: 'float64' };
    case 'decimal':
      return { kind: 'decimal' };
    case 'bool':
      return { kind: 'bool' };
    case 'string':
    case 'objectId':
      return { kind: 'text' };
    case 'binData':
      return { kind: 'bytes' };
    case 'binData (uuid)':
    case 'uuid':
      return { kind: 'uuid' };
    case 'date':
      return { kind: 'timestamptz' };
    default:
      return { kind: 'json' };
  }
}

export function toNative(type: CanonicalType): string {
  return NATIVE[type.kind];
}

/** The native spelling of a storage found by sampling (BSON $type aliases). */
export function storageName(storage: Storage): string {
  switch (storage) {
    case 'decimalString':
      return 'string (decimal)';
    case 'timeString':
      return 'string (timestamp)';
    case 'uuid':
      return 'binData (uuid)';
    case 'json':
      return 'object';
    default:
      return storage;
  }
}

export const mongodbTypeMapper: TypeMapper = { toCanonical, toNative };
