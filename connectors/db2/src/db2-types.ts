import { decimalChange, invalidValue, trimFraction, trimPad, type CanonicalType, type TypeMapper } from '@sluice/connector-sdk';
import type { Db2Param } from './db2-driver';

/**
 * DB2 LUW has no JSON, UUID, time-zoned TIMESTAMP or fractional-second TIME
 * type. Sluice stores them as CLOB / CHAR(36) / TIMESTAMP(6) in UTC /
 * VARCHAR(15) and tags the column with a comment `sluice:<kind>`
 * (SYSCAT.COLUMNS.REMARKS), which introspection reads back, so a table
 * created by Sluice introspects to the canonical types it was made from.
 */
export const TAG_PREFIX = 'sluice:';
export const TAGGED_KINDS = ['json', 'uuid', 'timestamptz', 'time'] as const;
export type TaggedKind = (typeof TAGGED_KINDS)[number];

/** Largest VARCHAR (bytes, 32K page); text(n) is VARCHAR(n CODEUNITS32) up to 8,168 characters. */
export const MAX_VARCHAR_BYTES = 32672;
export const MAX_VARCHAR_CHARS = 8168;
/** Largest CHAR(n CODEUNITS32) emitted for fixed text(n) (CHAR holds 255 bytes). */
export const MAX_CHAR_CHARS = 63;
/** LOBs above 1 GB must be NOT LOGGED: unbounded text/bytes stay logged at 1 GB. */
export const LOB = '1G';

/** A column as the writer and reader need it: catalog facts plus the canonical type. */
export interface Db2ColumnType {
  /** SYSCAT.COLUMNS.TYPENAME, e.g. `VARCHAR`, `DECIMAL`, `TIMESTAMP`. */
  typeName: string;
  /** LENGTH (bytes; precision for DECIMAL), or the string-units length. */
  length: number;
  /** SCALE (DECIMAL scale, TIMESTAMP precision). */
  scale: number;
  /** CODEPAGE 0 on a character type: FOR BIT DATA. */
  bitData: boolean;
  /** STRINGUNITS = CODEUNITS32: `length` counts characters. */
  codeUnits32?: boolean;
  type: CanonicalType;
}

/** The catalog's facts as DDL spelling: `VARCHAR(40 CODEUNITS32)`, `DECIMAL(12,2)`, `VARCHAR(16) FOR BIT DATA`. */
export function nativeSpelling(c: Omit<Db2ColumnType, 'type'>): string {
  const t = c.typeName.trim().toUpperCase();
  switch (t) {
    case 'DECIMAL':
    case 'NUMERIC':
      return `DECIMAL(${c.length},${c.scale})`;
    case 'DECFLOAT':
      return `DECFLOAT(${c.length === 8 ? 16 : 34})`;
    case 'TIMESTAMP':
      return `TIMESTAMP(${c.scale})`;
    case 'CHARACTER':
    case 'CHAR':
    case 'VARCHAR':
    case 'GRAPHIC':
    case 'VARGRAPHIC':
      return `${t === 'CHARACTER' ? 'CHAR' : t}(${c.length}${c.codeUnits32 ? ' CODEUNITS32' : ''})${c.bitData ? ' FOR BIT DATA' : ''}`;
    case 'BINARY':
    case 'VARBINARY':
    case 'BLOB':
    case 'CLOB':
    case 'DBCLOB':
      return `${t}(${c.length})`;
    default:
      return t;
  }
}

/** Canonical type of a DB2 type as spelt by `nativeSpelling` (or by hand: `varchar(10)`, `timestamp`). */
export function toCanonical(nativeType: string): CanonicalType {
  const text = nativeType.trim().toUpperCase().replace(/\s+/g, ' ');
  const m = /^([A-Z ]+?)\s*(?:\(([^)]*)\))?\s*(FOR BIT DATA)?$/.exec(text);
  const base = (m?.[1] ?? text).trim();
  const args = (m?.[2] ?? '').replace(/\s*(CODEUNITS32|CODEUNITS16|OCTETS)\s*/, '').split(',').map((a) => a.trim());
  const n = (i: number) => (args[i] && /^\d+$/.test(args[i]!) ? Number(args[i]) : undefined);
  const bit = Boolean(m?.[3]);
  switch (base) {
    case 'SMALLINT':
      return { kind: 'int16' };
    case 'INTEGER':
    case 'INT':
      return { kind: 'int32' };
    case 'BIGINT':
      return { kind: 'int64' };
    case 'DECIMAL':
    case 'DEC':
    case 'NUMERIC':
    case 'NUM':
      return { kind: 'decimal', precision: n(0) ?? 5, scale: n(1) ?? 0 };
    case 'DECFLOAT':
      return { kind: 'decimal' };
    case 'REAL':
      return { kind: 'float32' };
    case 'DOUBLE':
    case 'DOUBLE PRECISION':
    case 'FLOAT':
      return { kind: 'float64' };
    case 'BOOLEAN':
      return { kind: 'bool' };
    case 'CHAR':
    case 'CHARACTER':
    case 'VARCHAR':
    case 'CHARACTER VARYING':
    case 'CHAR VARYING':
    case 'GRAPHIC':
    case 'VARGRAPHIC':
    case 'NCHAR':
    case 'NVARCHAR': {
      const length = n(0) ?? (base.startsWith('CHAR') || base === 'GRAPHIC' || base === 'NCHAR' ? 1 : undefined);
      if (bit) return length === undefined ? { kind: 'bytes' } : { kind: 'bytes', maxLength: length };
      // CHAR, GRAPHIC, NCHAR are blank-padded: read without the pad (canonical fixed text); DB2 compares ignoring it.
      if ((base.startsWith('CHAR') && !base.includes('VARYING')) || base === 'GRAPHIC' || base === 'NCHAR') return { kind: 'text', maxLength: length ?? 1, fixed: true };
      return length === undefined ? { kind: 'text' } : { kind: 'text', maxLength: length };
    }
    case 'BINARY':
    case 'VARBINARY': {
      const length = n(0) ?? (base === 'BINARY' ? 1 : undefined);
      return length === undefined ? { kind: 'bytes' } : { kind: 'bytes', maxLength: length };
    }
    case 'BLOB':
      return { kind: 'bytes' };
    case 'DATE':
      return { kind: 'date' };
    case 'TIME':
      return { kind: 'time' };
    case 'TIMESTAMP':
      return { kind: 'timestamp' };
    default:
      // CLOB, DBCLOB, NCLOB, LONG VARCHAR, LONG VARGRAPHIC, XML, distinct and other types read as text.
      return { kind: 'text' };
  }
}

/** The canonical type of a catalog column: its tag (`sluice:json`, …) when the storage fits the tag, else its native type. */
export function columnCanonical(c: Omit<Db2ColumnType, 'type'>, remarks: string | null): CanonicalType {
  const native = toCanonical(nativeSpelling(c));
  const tag = remarks?.startsWith(TAG_PREFIX) ? remarks.slice(TAG_PREFIX.length).trim() : null;
  if (tag === 'json' && native.kind === 'text') return { kind: 'json' };
  if (tag === 'uuid' && native.kind === 'text') return { kind: 'uuid' };
  if (tag === 'timestamptz' && native.kind === 'timestamp') return { kind: 'timestamptz' };
  if (tag === 'time' && native.kind === 'text') return { kind: 'time' };
  return native;
}

/** The tag a canonical type needs on its column, or null. */
export function tagOf(type: CanonicalType): string | null {
  return (TAGGED_KINDS as readonly string[]).includes(type.kind) ? `${TAG_PREFIX}${type.kind}` : null;
}

/** Native DDL type that holds a canonical type exactly. */
export function toNative(type: CanonicalType): string {
  switch (type.kind) {
    case 'int16':
      return 'SMALLINT';
    case 'int32':
      return 'INTEGER';
    case 'int64':
      return 'BIGINT';
    case 'decimal':
      // DECIMAL holds 31 digits; DECFLOAT(34) is exact decimal arithmetic for wider or unbounded values.
      if (type.precision === undefined || type.precision > 31) return 'DECFLOAT(34)';
      return `DECIMAL(${type.precision},${type.scale ?? 0})`;
    case 'float32':
      return 'REAL';
    case 'float64':
      return 'DOUBLE';
    case 'bool':
      // BOOLEAN columns need Db2 11.1.1.1 or later.
      return 'BOOLEAN';
    case 'text':
      // String units of characters, not bytes: text(40) holds 40 characters of any script.
      // CHAR holds 255 bytes: 63 four-byte code units.
      if (type.fixed && type.maxLength !== undefined && type.maxLength >= 1 && type.maxLength <= MAX_CHAR_CHARS) return `CHAR(${type.maxLength} CODEUNITS32)`;
      return type.maxLength !== undefined && type.maxLength <= MAX_VARCHAR_CHARS ? `VARCHAR(${Math.max(1, type.maxLength)} CODEUNITS32)` : `CLOB(${LOB})`;
    case 'bytes':
      return type.maxLength !== undefined && type.maxLength <= MAX_VARCHAR_BYTES ? `VARBINARY(${Math.max(1, type.maxLength)})` : `BLOB(${LOB})`;
    case 'date':
      return 'DATE';
    case 'time':
      // DB2 TIME has no fractional seconds: "HH:MM:SS[.ffffff]" kept exactly as text (tagged).
      return 'VARCHAR(15)';
    case 'timestamp':
      return 'TIMESTAMP(6)';
    case 'timestamptz':
      // No zoned type on LUW: UTC in TIMESTAMP(6) (tagged).
      return 'TIMESTAMP(6)';
    case 'json':
      return `CLOB(${LOB})`;
    case 'uuid':
      return 'CHAR(36)';
  }
}

export const db2TypeMapper: TypeMapper = { toCanonical, toNative };

// ---- reading ------------------------------------------------------------

/**
 * The SELECT expression that lets ibm_db return a column exactly: it fetches
 * DECIMAL/DECFLOAT as a C double and TIMESTAMP as a millisecond Date, so
 * those go through text; BOOLEAN's C mapping is undocumented, so it comes as 1/0.
 */
export function selectExpr(quoted: string, c: Db2ColumnType): string {
  const t = c.typeName.trim().toUpperCase();
  switch (t) {
    case 'DECIMAL':
    case 'NUMERIC':
    case 'DECFLOAT':
      return `CAST(${quoted} AS VARCHAR(64))`;
    case 'DATE':
      return `CHAR(${quoted}, ISO)`;
    case 'TIME':
      return `CHAR(${quoted}, JIS)`;
    case 'TIMESTAMP':
      return `CHAR(${quoted})`;
    case 'BOOLEAN':
      return `CASE WHEN ${quoted} = TRUE THEN 1 WHEN ${quoted} = FALSE THEN 0 END`;
    case 'XML':
      return `XMLSERIALIZE(${quoted} AS CLOB(${LOB}))`;
    default:
      return quoted;
  }
}

/** "-00012.3400" / " 12,5" / "1.5E+3" → "-12.3400" / "12.5" / "1500": the exact decimal text. */
export function normalizeDecimalText(raw: string): string {
  let text = raw.trim();
  if (!text.includes('.') && /^[+-]?\d*,\d+$/.test(text)) text = text.replace(',', '.');
  const exp = /^([+-]?)(\d*)(?:\.(\d*))?E([+-]?\d+)$/i.exec(text);
  if (exp) {
    const [, sign, int = '', frac = '', e] = exp;
    const digits = int + frac;
    const point = int.length + Number(e);
    const body = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
    text = sign + body;
  }
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) return text;
  const [, sign, int = '', frac] = m;
  const whole = int.replace(/^0+(?=\d)/, '') || '0';
  const out = frac !== undefined && frac.length ? `${whole}.${frac}` : whole;
  return sign === '-' && /[1-9]/.test(out) ? `-${out}` : out;
}

/** DB2's `yyyy-mm-dd-hh.mm.ss.ffffff` (CHAR of a TIMESTAMP) → canonical "yyyy-mm-dd hh:mm:ss[.ffffff]". */
export function timestampText(raw: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[- T](\d{2})[.:](\d{2})[.:](\d{2})(?:[.,](\d+))?$/.exec(raw.trim());
  if (!m) return raw.trim();
  return trimFraction(`${m[1]} ${m[2]}:${m[3]}:${m[4]}${m[5] ? `.${m[5]}` : ''}`);
}

/** A value as the reader's SELECT returns it → the canonical value. */
export function decodeValue(value: unknown, type: CanonicalType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'int16':
    case 'int32':
    case 'float32':
    case 'float64':
      return typeof value === 'number' ? value : Number(value);
    case 'int64':
      return String(value).trim();
    case 'decimal':
      return normalizeDecimalText(String(value));
    case 'bool':
      return typeof value === 'boolean' ? value : Number(value) !== 0;
    case 'text': {
      const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
      return type.fixed ? trimPad(text) : text;
    }
    case 'bytes':
      return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'latin1');
    case 'date':
      return String(value).trim();
    case 'time':
      return trimFraction(String(value).trim().replace(/\./g, (dot, at: number) => (at < 8 ? ':' : dot)));
    case 'timestamp':
      return timestampText(String(value));
    case 'timestamptz':
      return timestampText(String(value)).replace(' ', 'T') + 'Z';
    case 'json':
      return JSON.parse(Buffer.isBuffer(value) ? value.toString('utf8') : String(value));
    case 'uuid':
      return String(value).trim().toLowerCase();
  }
}

// ---- writing ------------------------------------------------------------

/** The typed parameter marker of a column: `CAST(? AS VARCHAR(40 CODEUNITS32))`, so MERGE's VALUES has no untyped markers. */
export function markerExpr(c: Pick<Db2ColumnType, 'typeName' | 'length' | 'scale' | 'bitData' | 'codeUnits32'>): string {
  if (c.typeName.trim().toUpperCase() === 'XML') return `XMLPARSE(DOCUMENT CAST(? AS CLOB(${LOB})) PRESERVE WHITESPACE)`;
  if (c.typeName.trim().toUpperCase() === 'LONG VARCHAR') return `CAST(? AS CLOB(${LOB}))`;
  return `CAST(? AS ${nativeSpelling(c)})`;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT_RANGE: Record<string, [bigint, bigint]> = {
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-9223372036854775808n, 9223372036854775807n],
};

/**
 * A canonical value → an ibm_db parameter for the column's typed marker.
 * Exact: integers and decimals as text, floats as a C double bound as DOUBLE
 * (ibm_db binds a bare fractional number as a DECIMAL sized from its text,
 * which overflows for 1e308), bytes as a Buffer bound as BINARY → BLOB,
 * timestamps as DB2's own `yyyy-mm-dd-hh.mm.ss.ffffff` text.
 */
export function encodeParam(value: unknown, type: CanonicalType, column: string): Db2Param {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'int16':
    case 'int32':
    case 'int64': {
      const text = typeof value === 'bigint' ? value.toString() : typeof value === 'number' && Number.isInteger(value) ? String(value) : String(value).trim();
      if (!INTEGER.test(text)) throw invalidValue(column, type, value);
      const [min, max] = INT_RANGE[type.kind]!;
      if (BigInt(text) < min || BigInt(text) > max) throw invalidValue(column, type, value, 'out of range');
      return BigInt(text).toString();
    }
    case 'decimal': {
      const text = String(value).trim();
      if (!DECIMAL.test(text)) throw invalidValue(column, type, value);
      // DB2 truncates extra decimal places (DECIMAL) or rounds (DECFLOAT(34)) without an error.
      const change = decimalChange(text, type.precision === undefined ? { significant: 34 } : type);
      if (change) throw invalidValue(column, type, value, change);
      return normalizeDecimalText(text);
    }
    case 'float32':
    case 'float64': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) throw invalidValue(column, type, value, 'DB2 REAL/DOUBLE hold no NaN or infinity');
      return { ParamType: 'INPUT', DataType: 'DOUBLE', Data: n };
    }
    case 'bool':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (value === 0 || value === 1 || value === '0' || value === '1') return Number(value);
      if (value === 't' || value === 'true') return 1;
      if (value === 'f' || value === 'false') return 0;
      throw invalidValue(column, type, value);
    case 'text':
      return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'bytes': {
      const buffer = Buffer.isBuffer(value) ? value : value instanceof Uint8Array ? Buffer.from(value) : typeof value === 'string' ? Buffer.from(value, 'utf8') : null;
      if (!buffer) throw invalidValue(column, type, value);
      return { ParamType: 'INPUT', CType: 'BINARY', DataType: 'BLOB', Data: buffer };
    }
    case 'date': {
      const text = value instanceof Date ? value.toISOString().slice(0, 10) : String(value).trim();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw invalidValue(column, type, value);
      return text;
    }
    case 'time': {
      const text = String(value).trim();
      if (!/^\d{2}:\d{2}:\d{2}(\.\d{1,12})?$/.test(text)) throw invalidValue(column, type, value);
      return text;
    }
    case 'timestamp':
      return db2Timestamp(value instanceof Date ? value.toISOString().replace('Z', '') : String(value), column, type);
    case 'timestamptz':
      return db2Timestamp(toUtc(value, column, type), column, type);
    case 'json':
      return JSON.stringify(value);
    case 'uuid': {
      const text = String(value).trim();
      if (!UUID.test(text)) throw invalidValue(column, type, value);
      return text.toLowerCase();
    }
  }
}

/** "2024-02-29 12:00:00.5" / "…T…" → "2024-02-29-12.00.00.5" (DB2's timestamp string). */
function db2Timestamp(text: string, column: string, type: CanonicalType): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,12})?)?$/.exec(text.trim());
  if (!m) throw invalidValue(column, type, text);
  return `${m[1]}-${m[2] ?? '00'}.${m[3] ?? '00'}.${m[4] ?? '00'}${m[5] ?? ''}`;
}

/** `…Z` / `…+02:00` / Date → "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC, fraction kept. */
export function toUtc(value: unknown, column: string, type: CanonicalType): string {
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  const text = String(value).trim();
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text);
  if (!m) throw invalidValue(column, type, value);
  const [, date, time, fraction = '', zone = 'Z'] = m;
  if (zone.toUpperCase() === 'Z' || /^[+-]00:?0?0?$/.test(zone)) return `${date} ${time}${fraction}`;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  const utc = new Date(Date.parse(`${date}T${time}Z`) - offsetMin * 60_000).toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 19)}${fraction}`;
}

