import { ConnectorError, invalidValue, TestCode, trimFraction, utcWallClock, type CanonicalType, type TypeMapper } from '@sluice/connector-sdk';

/** Which server: MariaDB and MySQL differ in types (UUID) and SQL (upsert row alias, catalogs). */
export interface MysqlFlavour {
  mariadb: boolean;
  major: number;
  minor: number;
  patch: number;
}

/** Reads `SELECT VERSION()`: `10.11.6-MariaDB-0+deb12u1`, `8.0.36`, `5.5.5-10.4.1-MariaDB`. */
export function parseFlavour(version: string): MysqlFlavour {
  const mariadb = /mariadb/i.test(version);
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(version.replace(/^5\.5\.5-/, '')) ?? ['', '0', '0', '0'];
  return { mariadb, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

export function atLeast(f: MysqlFlavour, major: number, minor = 0, patch = 0): boolean {
  return f.major !== major ? f.major > major : f.minor !== minor ? f.minor > minor : f.patch >= patch;
}

export const MARIADB_10_11: MysqlFlavour = { mariadb: true, major: 10, minor: 11, patch: 0 };
export const MYSQL_8_0: MysqlFlavour = { mariadb: false, major: 8, minor: 0, patch: 36 };

/** MariaDB ≥ 10.7 has a native UUID type; MySQL stores uuid as CHAR(36), which introspects back as text(36). */
export function hasUuidType(f: MysqlFlavour): boolean {
  return f.mariadb && atLeast(f, 10, 7);
}

/** Largest VARCHAR we emit for text(n); longer texts become LONGTEXT (65,535-byte row limit, 4 bytes a char). */
export const MAX_VARCHAR = 16383;

/** GEOMETRY and its subtypes, as COLUMN_TYPE spells them (MySQL 8 also `geomcollection`). */
const SPATIAL = /^(geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection|geomcollection)$/i;

/**
 * A spatial column: canonical bytes carrying what the column stores, MySQL's internal format (4-byte
 * little-endian SRID, then WKB). Read as `CAST(col AS BINARY)` (mysql2 would parse it into {x, y}
 * objects and lose the SRID) and written back as those bytes, which the server takes as they are.
 */
export function isSpatial(nativeType: string): boolean {
  return SPATIAL.test(nativeType.trim());
}

/** Canonical type of a COLUMN_TYPE as information_schema spells it (`int(10) unsigned`, `decimal(12,2)`, …). */
export function toCanonical(nativeType: string): CanonicalType {
  const t = nativeType.trim().toLowerCase();
  const m = /^([a-z ]+?)\s*(?:\(([^)]*)\))?\s*(unsigned)?\s*(zerofill)?$/.exec(t);
  const base = (m?.[1] ?? t).trim();
  const args = (m?.[2] ?? '').split(',').map((a) => Number(a.trim())).filter((n) => Number.isFinite(n) && n > 0);
  const unsigned = Boolean(m?.[3]);
  switch (base) {
    case 'bool':
    case 'boolean':
      return { kind: 'bool' };
    case 'tinyint':
      return m?.[2] === '1' && !unsigned ? { kind: 'bool' } : { kind: 'int16' };
    case 'smallint':
      return unsigned ? { kind: 'int32' } : { kind: 'int16' };
    case 'year':
      return { kind: 'int16' };
    case 'mediumint':
      return { kind: 'int32' };
    case 'int':
    case 'integer':
      return unsigned ? { kind: 'int64' } : { kind: 'int32' };
    case 'bigint':
      return unsigned ? { kind: 'decimal', precision: 20, scale: 0 } : { kind: 'int64' };
    case 'decimal':
    case 'numeric':
    case 'dec':
    case 'fixed':
      return { kind: 'decimal', precision: args[0] ?? 10, scale: m?.[2]?.includes(',') ? Number(m[2].split(',')[1]) : 0 };
    case 'float':
      return { kind: 'float32' };
    case 'double':
    case 'double precision':
    case 'real':
      return { kind: 'float64' };
    case 'char':
    case 'nchar':
      // CHAR without a length is CHAR(1); its values come back without pad spaces.
      return { kind: 'text', maxLength: args[0] ?? 1, fixed: true };
    case 'varchar':
    case 'nvarchar':
      return args[0] !== undefined ? { kind: 'text', maxLength: args[0] } : { kind: 'text' };
    case 'binary':
    case 'varbinary':
      return args[0] !== undefined ? { kind: 'bytes', maxLength: args[0] } : { kind: 'bytes' };
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
    case 'bit':
    case 'geometry':
    case 'point':
    case 'linestring':
    case 'polygon':
    case 'multipoint':
    case 'multilinestring':
    case 'multipolygon':
    case 'geometrycollection':
    case 'geomcollection':
      return { kind: 'bytes' };
    case 'date':
      return { kind: 'date' };
    // Fractional-second digits: none given is 0 in MySQL/MariaDB (6, the canonical default, left out).
    case 'time':
      return withPrecision({ kind: 'time' }, args[0] ?? 0);
    case 'datetime':
      return withPrecision({ kind: 'timestamp' }, args[0] ?? 0);
    case 'timestamp':
      return withPrecision({ kind: 'timestamptz' }, args[0] ?? 0);
    case 'json':
      return { kind: 'json' };
    case 'uuid':
      return { kind: 'uuid' };
    default:
      // tinytext … longtext, enum, set, inet6, and anything else read as text.
      return { kind: 'text' };
  }
}

function withPrecision<T extends { kind: 'time' | 'timestamp' | 'timestamptz' }>(type: T, precision: number): T & { precision?: number } {
  return precision >= 6 ? type : { ...type, precision };
}

/** Native DDL type holding a canonical type. */
export function toNative(type: CanonicalType, flavour: MysqlFlavour = MARIADB_10_11): string {
  switch (type.kind) {
    case 'int16':
      return 'SMALLINT';
    case 'int32':
      return 'INT';
    case 'int64':
      return 'BIGINT';
    case 'decimal':
      // MySQL has no unbounded DECIMAL: the widest is DECIMAL(65,30), so values read back with 30 decimals.
      if (type.precision === undefined) return 'DECIMAL(65,30)';
      if (type.precision > 65 || (type.scale ?? 0) > 30) {
        throw new ConnectorError(TestCode.DRIVER_ERROR, `decimal(${type.precision},${type.scale ?? 0}) exceeds MySQL's DECIMAL(65,30)`, false);
      }
      return `DECIMAL(${type.precision},${type.scale ?? 0})`;
    case 'float32':
      return 'FLOAT';
    case 'float64':
      return 'DOUBLE';
    case 'bool':
      return 'TINYINT(1)';
    case 'text':
      if (type.fixed && type.maxLength !== undefined && type.maxLength >= 1 && type.maxLength <= 255) return `CHAR(${type.maxLength})`;
      return type.maxLength !== undefined && type.maxLength <= MAX_VARCHAR ? `VARCHAR(${type.maxLength})` : 'LONGTEXT';
    case 'bytes':
      return type.maxLength !== undefined && type.maxLength <= MAX_VARCHAR * 4 ? `VARBINARY(${type.maxLength})` : 'LONGBLOB';
    case 'date':
      return 'DATE';
    case 'time':
      return 'TIME(6)';
    case 'timestamp':
      return 'DATETIME(6)';
    case 'timestamptz':
      // DATETIME(6) holding UTC (sessions run at time_zone '+00:00'): TIMESTAMP's range, 1970-01-01
      // 00:00:01 … 2038-01-19 03:14:07 UTC, refuses ordinary data (a birth date, an expiry in 2050,
      // the 9999-12-31 sentinel); DATETIME takes 1000 … 9999 exactly. It reads back without a zone.
      return 'DATETIME(6)';
    case 'json':
      // MariaDB: an alias of LONGTEXT with a json_valid CHECK, recognised back as json by introspection.
      return 'JSON';
    case 'uuid':
      return hasUuidType(flavour) ? 'UUID' : 'CHAR(36)';
  }
}

/** The mapper of a server flavour; the plugin's own (`types`) is MariaDB ≥ 10.7's. */
export function mysqlTypeMapper(flavour: MysqlFlavour = MARIADB_10_11): TypeMapper {
  return { toCanonical, toNative: (type) => toNative(type, flavour) };
}

// ---- values -------------------------------------------------------------

/** A driver value (text protocol, dateStrings, bigNumberStrings, jsonStrings) → the canonical value. */
export function decodeValue(value: unknown, type: CanonicalType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'int16':
    case 'int32':
    case 'float32':
    case 'float64':
      return typeof value === 'number' ? value : Number(value);
    case 'int64':
    case 'decimal':
      return String(value);
    case 'bool':
      return Number(value) !== 0;
    case 'text':
      return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
    case 'bytes':
      // Copied: mysql2 hands out a slice of the socket chunk (up to 64 KiB) the row came in, and
      // one slice a row kept every chunk of a page alive with the page (~6 MiB a 10,000-row page,
      // freed only by a full GC). The copy is the value's own bytes, from Node's pooled slabs.
      return Buffer.isBuffer(value) ? Buffer.from(value) : Buffer.from(String(value), 'utf8');
    case 'date':
      return String(value);
    case 'time':
    case 'timestamp':
      return trimFraction(String(value));
    case 'timestamptz':
      return trimFraction(String(value).replace(' ', 'T') + 'Z');
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : Buffer.isBuffer(value) ? JSON.parse(value.toString('utf8')) : value;
    case 'uuid':
      return String(value).toLowerCase();
  }
}

const INTEGER = /^-?\d+$/;
/** A date-time text that ends with a zone: `Z`, `+02`, `-05:30`. */
const ZONED = /\d{2}:\d{2}:\d{2}(\.\d+)?\s*(Z|[+-]\d{2}(:?\d{2})?)$/i;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const PLAIN_DECIMAL = /^-?(\d+\.?\d*|\.\d+)$/;

/** A numeric literal the escaper emits as is (no quotes): exact for BIGINT and DECIMAL. */
const rawNumber = (text: string) => ({ toSqlString: () => text });

/** A canonical value → a parameter for mysql2's escaping (never an object the escaper would expand). */
export function encodeParam(value: unknown, type: CanonicalType, column: string): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'int16':
    case 'int32':
    case 'int64':
    case 'decimal': {
      const text = typeof value === 'bigint' ? value.toString() : String(value);
      if (INTEGER.test(text) || (type.kind === 'decimal' && PLAIN_DECIMAL.test(text))) return rawNumber(text);
      // An exponent literal would be a DOUBLE in SQL: quoted, the server converts the text to DECIMAL exactly.
      if (type.kind === 'decimal' && DECIMAL.test(text)) return text;
      throw invalidValue(column, type, value);
    }
    case 'float32':
    case 'float64': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) throw invalidValue(column, type, value, 'MySQL has no NaN or Infinity');
      return n;
    }
    case 'bool':
      return value === true || value === 1 || value === '1' || value === 't' || value === 'true' ? 1 : 0;
    case 'bytes':
      if (Buffer.isBuffer(value)) return value;
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      return Buffer.from(String(value), 'utf8');
    case 'timestamp':
      if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
      // A point in time (a timestamptz copied into DATETIME): its UTC wall clock, the session's zone.
      if (ZONED.test(String(value))) return toUtcLiteral(value, column, type);
      return String(value).replace('T', ' ');
    case 'timestamptz':
      return toUtcLiteral(value, column, type);
    case 'json':
      return JSON.stringify(value);
    case 'uuid':
      return String(value).toLowerCase();
    default:
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
  }
}

/** One field of a LOAD DATA file (tab-separated, backslash-escaped, `\N` for NULL); bytes as hex for UNHEX(). */
export function encodeLoadField(value: unknown, type: CanonicalType, column: string): string {
  if (value === null || value === undefined) return '\\N';
  if (type.kind === 'bytes') return (encodeParam(value, type, column) as Buffer).toString('hex');
  const param = encodeParam(value, type, column);
  const text = typeof param === 'object' && param !== null ? (param as { toSqlString(): string }).toSqlString() : String(param);
  return text.replace(/[\\\t\n\r\0]/g, (c) => LOAD_ESCAPES[c]!);
}

const LOAD_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** `…Z` / `…+02:00` / Date → `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC (the session's time zone), microseconds kept. */
export function toUtcLiteral(value: unknown, column: string, type: CanonicalType): string {
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  const literal = utcWallClock(String(value));
  if (literal === null) throw invalidValue(column, type, value);
  return literal;
}

