import { Binary, Decimal128, Double, Int32, Long, ObjectId } from 'mongodb';
import { ConnectorError, TestCode, trimFraction, utcWallClock, type CanonicalKind, type CanonicalType, type TypeMapper } from '@sluice/connector-sdk';

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

/** What the server can store, as far as the storage choice goes. */
export interface ServerTraits {
  /** BSON decimal128: real MongoDB; FerretDB v1 has none (its connection panics on one). */
  decimal128: boolean;
}
export const MONGODB_SERVER: ServerTraits = { decimal128: true };
export const FERRETDB_SERVER: ServerTraits = { decimal128: false };
/** Significant digits a BSON decimal128 holds. */
export const DECIMAL128_DIGITS = 34;
/** Fractional-second digits a BSON date holds (milliseconds). */
export const DATE_DIGITS = 3;

/**
 * Canonical kind → storage when nothing more is known (no precision, a server without
 * decimal128), chosen so that round trips are exact:
 * - int64 → long; int16/int32 → int; float32/float64 → double.
 * - decimal → exact text (see `storageFor` for decimal128).
 * - bytes → binData (subtype 0); uuid → binData subtype 4.
 * - date → BSON date at midnight UTC.
 * - time / timestamp / timestamptz → fixed-width text with six fractional digits
 *   ("2024-02-29T12:00:00.500000Z"): a BSON date has milliseconds only and would
 *   lose microseconds; fixed width keeps string order = time order, so `since` and
 *   key ranges work on them. (`storageFor`: a BSON date for columns of ≤ 3 digits.)
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
  date: 'date',
  time: 'timeString',
  timestamp: 'timeString',
  timestamptz: 'timeString',
  json: 'json',
  uuid: 'uuid',
};

/** The storage collections created before storages were recorded in `_sluice_schema` used (dates as text). */
export const LEGACY_STORAGE: Record<CanonicalKind, Storage> = { ...CANONICAL_STORAGE, date: 'string' };

/**
 * The storage of a canonical type on a server, exact either way:
 * - decimal → BSON decimal128 where the server has it and the declared precision is
 *   ≤ 34 digits (scale kept: "1.50" stays "1.50"); else its exact text.
 * - timestamp / timestamptz declaring ≤ 3 fractional digits → BSON date; else fixed-width text.
 * - everything else: CANONICAL_STORAGE.
 */
export function storageFor(type: CanonicalType, server: ServerTraits): Storage {
  switch (type.kind) {
    case 'decimal':
      return server.decimal128 && type.precision !== undefined && type.precision <= DECIMAL128_DIGITS ? 'decimal' : 'decimalString';
    case 'timestamp':
    case 'timestamptz':
      return type.precision !== undefined && type.precision <= DATE_DIGITS ? 'date' : 'timeString';
    default:
      return CANONICAL_STORAGE[type.kind];
  }
}

/** Why a type is held as a stand-in on a server (the end of a warning), undefined when its storage is its own BSON type. */
export function standInOf(type: CanonicalType, server: ServerTraits): string | undefined {
  const storage = storageFor(type, server);
  const precision = (type as { precision?: number }).precision;
  if (storage === 'decimalString') {
    if (!server.decimal128) return 'its exact text: the server (FerretDB) has no Decimal128';
    return precision === undefined
      ? `its exact text: an unbounded decimal may exceed Decimal128's ${DECIMAL128_DIGITS} digits`
      : `its exact text: ${precision} digits exceed Decimal128's ${DECIMAL128_DIGITS}`;
  }
  if (storage === 'timeString') {
    if (type.kind === 'time') return 'its exact text (fixed width): BSON has no time of day';
    const digits = precision ?? 6;
    return `its exact text (fixed width): a BSON date holds milliseconds, the column ${digits} fractional digits`;
  }
  return undefined;
}

/** Canonical type of a storage found by sampling. objectId is read as its 24-hex-digit text; a BSON date holds milliseconds. */
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
  date: { kind: 'timestamptz', precision: DATE_DIGITS },
  timeString: { kind: 'timestamp' },
  objectId: { kind: 'text' },
  json: { kind: 'json' },
  mixed: { kind: 'json' },
};

/** The "native" names shown for canonical types (BSON type aliases; `string (…)` where text stands in, `date (…)` for a BSON date of another kind). */
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
  date: 'date (date)',
  time: 'string (time)',
  timestamp: 'string (timestamp)',
  timestamptz: 'string (timestamptz)',
  json: 'object',
  uuid: 'binData (uuid)',
};

/** The native name of a canonical type stored as `storage`. */
export function nativeName(kind: CanonicalKind, storage: Storage): string {
  switch (storage) {
    case 'decimal':
      return 'decimal';
    case 'date':
      return kind === 'timestamptz' ? 'date' : `date (${kind})`;
    case 'timeString':
      return `string (${kind})`;
    case 'objectId':
    case 'mixed':
      return storage;
    default:
      return NATIVE[kind];
  }
}

/** The storage of a BSON value (null/undefined: none). */
export function storageOf(value: unknown): Storage | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) && value >= -2147483648 && value <= 2147483647 ? 'int' : 'double';
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
    case 'decimal': {
      const text = String(value).trim();
      if (!/^[-+]?\d+(\.\d+)?$/.test(text)) throw refuse(`not a decimal: ${text.slice(0, 40)}`);
      try {
        // Throws rather than round a value of more than 34 significant digits.
        return Decimal128.fromString(text);
      } catch {
        throw refuse(`${text.slice(0, 40)} has more digits than a Decimal128 holds (${DECIMAL128_DIGITS})`);
      }
    }
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
      return value instanceof Date ? value : toBsonDate(String(value).trim(), kind);
    case 'timeString':
      return fixedFraction(value instanceof Date ? dateText(value, kind) : String(value));
    case 'objectId':
      return typeof value === 'string' && /^[0-9a-f]{24}$/i.test(value) ? new ObjectId(value) : value;
    case 'json':
    case 'mixed':
      return value;
  }
}

/**
 * A canonical date / timestamp / timestamptz text as a BSON date, refused (non-retryable, the value
 * named) unless the date reads back as exactly that text: more than 3 fractional digits, a year
 * outside 0000–9999, 'infinity', a BC date.
 */
function toBsonDate(text: string, kind: CanonicalKind): Date {
  const iso = kind === 'date' ? `${text}T00:00:00Z` : kind === 'timestamp' ? `${text.replace(' ', 'T')}Z` : text;
  const date = /^\d{4}-\d\d-\d\d/.test(iso) ? new Date(iso) : new Date(NaN);
  const wanted = kind === 'timestamptz' ? utcWallClock(text) : kind === 'timestamp' ? text.replace('T', ' ') : text;
  const got = Number.isNaN(date.getTime()) ? null : kind === 'timestamptz' ? utcWallClock(dateText(date, kind)) : dateText(date, kind);
  if (got === null || wanted === null || trimFraction(got) !== trimFraction(wanted)) {
    throw refuse(`${JSON.stringify(text.slice(0, 40))} is not a ${kind} a BSON date holds exactly (milliseconds, years 0000–9999)`);
  }
  return date;
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
      return decimal128Text(value as Decimal128);
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

/**
 * A Decimal128 as plain decimal text, its scale kept ("42.5000000000"; "1E-10" → "0.0000000001"):
 * Decimal128's own text turns to exponent notation for small exponents. NaN / Infinity as spelled.
 */
export function decimal128Text(d: Decimal128): string {
  const text = d.toString();
  const m = /^(-?)(\d)(?:\.(\d+))?E([+-]\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, lead, fraction = '', e] = m;
  const digits = lead! + fraction;
  const exponent = Number(e) - fraction.length;
  if (exponent >= 0) return `${sign}${digits}${'0'.repeat(exponent)}`;
  const whole = digits.length + exponent;
  return whole > 0 ? `${sign}${digits.slice(0, whole)}.${digits.slice(whole)}` : `${sign}0.${'0'.repeat(-whole)}${digits}`;
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
      return decimal128Text(value as Decimal128);
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

/** Canonical type of a native name as `toNative` and introspection spell it ("long", "string (timestamptz)", "date (date)", "int|null (1000 sampled)"). */
export function toCanonical(nativeType: string): CanonicalType {
  const base = nativeType.replace(/\s*\(\d+ sampled\)$/, '').replace(/\|null$/, '').trim();
  const dated = /^date \((date|timestamp|timestamptz)\)$/.exec(base);
  if (dated) return dated[1] === 'date' ? { kind: 'date' } : { kind: dated[1] as 'timestamp' | 'timestamptz', precision: DATE_DIGITS };
  const hinted = /^(?:string|binData) \((\w+)\)$/.exec(base);
  if (hinted && hinted[1] !== 'uuid') return { kind: hinted[1] as CanonicalKind } as CanonicalType;
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
      return { kind: 'timestamptz', precision: DATE_DIGITS };
    default:
      return { kind: 'json' };
  }
}

/** The native name of a canonical type on a server without decimal128 (the plugin's static mapping; a session has its server's). */
export function toNative(type: CanonicalType): string {
  return nativeName(type.kind, storageFor(type, FERRETDB_SERVER));
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

/** The storage a sampled spelling ("objectId|null (12 sampled)") names; null for any other spelling. */
export function sampledStorage(nativeType: string | undefined): Storage | null {
  const m = /^(.*?)(?:\|null)? \(\d+ sampled\)$/.exec(nativeType ?? '');
  if (!m) return null;
  const names = Object.keys(STORAGE_CANONICAL) as Storage[];
  return names.find((s) => storageName(s) === m[1]) ?? null;
}

/** The type mapping of a server: decimals as Decimal128 only where it has them. */
export function typeMapperFor(server: ServerTraits): TypeMapper {
  return {
    toCanonical,
    toNative: (type) => nativeName(type.kind, storageFor(type, server)),
    standIn: (type) => standInOf(type, server),
  };
}

/** The plugin's mapping: a server without decimal128 (the cautious choice before one is connected). */
export const mongodbTypeMapper: TypeMapper = typeMapperFor(FERRETDB_SERVER);
