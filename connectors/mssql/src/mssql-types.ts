import { ConnectorError, invalidValue, decimalChange, TestCode, trimFraction, trimPad, type CanonicalType, type TypeMapper } from '@sluice/connector-sdk';
import { mssqlDriver, type MssqlTypeSpec } from './mssql-driver';

/** A column as the catalog describes it, with what reading and writing it needs. */
export interface MssqlColumn {
  name: string;
  /** `nvarchar(200)`, `decimal(12,2)`, `datetime2(6)`, `varbinary(max)`, … */
  nativeType: string;
  /** The type's base name, lower case: `nvarchar`, `decimal`, … */
  base: string;
  /** Characters (char types), bytes (binary types), -1 for (max); 0 when not sized. */
  length: number;
  precision: number;
  scale: number;
  type: CanonicalType;
  nullable: boolean;
  identity: boolean;
  /** Computed or rowversion: never written. */
  readOnly: boolean;
  default: string | null;
}

/** Largest sized NVARCHAR / VARBINARY; beyond them (max). */
export const MAX_NVARCHAR = 4000;
export const MAX_VARBINARY = 8000;
/** SQL Server's DECIMAL limit. */
export const MAX_PRECISION = 38;

const CHAR_TYPES = new Set(['char', 'varchar', 'nchar', 'nvarchar']);

/** The catalog's spelling of a column type: sys.types name, and max_length (bytes) / precision / scale from sys.columns. */
export function nativeTypeName(base: string, maxLength: number, precision: number, scale: number): string {
  const t = base.toLowerCase();
  if (CHAR_TYPES.has(t) || t === 'binary' || t === 'varbinary') {
    if (maxLength === -1) return `${t}(max)`;
    return `${t}(${t.startsWith('n') ? maxLength / 2 : maxLength})`;
  }
  if (t === 'decimal' || t === 'numeric') return `${t}(${precision},${scale})`;
  if (t === 'datetime2' || t === 'datetimeoffset' || t === 'time') return `${t}(${scale})`;
  return t;
}

/** `nvarchar(200)` → base, length (characters/bytes, -1 max), precision, scale. */
export function parseNativeType(nativeType: string): { base: string; length: number; precision: number; scale: number } {
  const t = nativeType.trim().toLowerCase();
  const m = /^([a-z0-9_ ]+?)\s*(?:\(\s*([^)]*)\))?$/.exec(t);
  const base = (m?.[1] ?? t).trim();
  const args = (m?.[2] ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  const length = args[0] === 'max' ? -1 : Number(args[0] ?? 0) || 0;
  if (base === 'decimal' || base === 'numeric') return { base, length: 0, precision: Number(args[0] ?? 18), scale: Number(args[1] ?? 0) };
  if (base === 'datetime2' || base === 'datetimeoffset' || base === 'time') return { base, length: 0, precision: 0, scale: args[0] === undefined ? 7 : Number(args[0]) };
  if (base === 'float') return { base, length: 0, precision: Number(args[0] ?? 53), scale: 0 };
  return { base, length: CHAR_TYPES.has(base) || base === 'binary' || base === 'varbinary' ? (args.length ? length : 1) : 0, precision: 0, scale: 0 };
}

/** Canonical type of a native type as the catalog spells it (see `nativeTypeName`). */
export function toCanonical(nativeType: string): CanonicalType {
  const { base, length, precision, scale } = parseNativeType(nativeType);
  switch (base) {
    case 'bit':
      return { kind: 'bool' };
    case 'tinyint':
    case 'smallint':
      return { kind: 'int16' };
    case 'int':
      return { kind: 'int32' };
    case 'bigint':
      return { kind: 'int64' };
    case 'decimal':
    case 'numeric':
      return { kind: 'decimal', precision, scale };
    case 'money':
      return { kind: 'decimal', precision: 19, scale: 4 };
    case 'smallmoney':
      return { kind: 'decimal', precision: 10, scale: 4 };
    case 'real':
      return { kind: 'float32' };
    case 'float':
      return precision <= 24 ? { kind: 'float32' } : { kind: 'float64' };
    case 'char':
    case 'nchar':
      // Blank-padded: read without the pad (canonical fixed text); SQL Server compares ignoring it.
      return { kind: 'text', maxLength: length, fixed: true };
    case 'varchar':
    case 'nvarchar':
      return length > 0 ? { kind: 'text', maxLength: length } : { kind: 'text' };
    case 'sysname':
      return { kind: 'text', maxLength: 128 };
    case 'binary':
    case 'varbinary':
      return length > 0 ? { kind: 'bytes', maxLength: length } : { kind: 'bytes' };
    case 'image':
      return { kind: 'bytes' };
    case 'timestamp':
    case 'rowversion':
      return { kind: 'bytes', maxLength: 8 };
    case 'date':
      return { kind: 'date' };
    case 'time':
      return { kind: 'time' };
    case 'datetime':
    case 'datetime2':
    case 'smalldatetime':
      return { kind: 'timestamp' };
    case 'datetimeoffset':
      return { kind: 'timestamptz' };
    case 'uniqueidentifier':
      return { kind: 'uuid' };
    case 'json':
      return { kind: 'json' };
    default:
      // text, ntext, xml, sql_variant, hierarchyid, geography, geometry: read as text.
      return { kind: 'text' };
  }
}

/**
 * The native DDL type holding a canonical type. Temporal types get 6
 * fractional digits (the canonical precision); json is NVARCHAR(MAX), which
 * `createTable` guards with an ISJSON CHECK that introspection reads back as json.
 */
export function toNative(type: CanonicalType): string {
  switch (type.kind) {
    case 'int16':
      return 'SMALLINT';
    case 'int32':
      return 'INT';
    case 'int64':
      return 'BIGINT';
    case 'decimal': {
      // SQL Server has no unbounded DECIMAL: an unsized one becomes DECIMAL(38,10).
      if (type.precision === undefined) return 'DECIMAL(38,10)';
      if (type.precision > MAX_PRECISION || (type.scale ?? 0) > type.precision) {
        throw new ConnectorError(TestCode.DRIVER_ERROR, `decimal(${type.precision},${type.scale ?? 0}) exceeds SQL Server's DECIMAL(38,s)`, false);
      }
      return `DECIMAL(${type.precision},${type.scale ?? 0})`;
    }
    case 'float32':
      return 'REAL';
    case 'float64':
      return 'FLOAT';
    case 'bool':
      return 'BIT';
    case 'text':
      if (type.fixed && type.maxLength !== undefined && type.maxLength >= 1 && type.maxLength <= MAX_NVARCHAR) return `NCHAR(${type.maxLength})`;
      return type.maxLength !== undefined && type.maxLength <= MAX_NVARCHAR ? `NVARCHAR(${type.maxLength})` : 'NVARCHAR(MAX)';
    case 'bytes':
      return type.maxLength !== undefined && type.maxLength <= MAX_VARBINARY ? `VARBINARY(${type.maxLength})` : 'VARBINARY(MAX)';
    case 'date':
      return 'DATE';
    case 'time':
      return 'TIME(6)';
    case 'timestamp':
      return 'DATETIME2(6)';
    case 'timestamptz':
      return 'DATETIMEOFFSET(6)';
    case 'json':
      return 'NVARCHAR(MAX)';
    case 'uuid':
      return 'UNIQUEIDENTIFIER';
  }
}

export const mssqlTypeMapper: TypeMapper = { toCanonical, toNative };

// ---- reading ----------------------------------------------------------------

/**
 * The select expression of a column. DECIMAL comes back from tedious as a JS
 * number (inexact): it is read as its exact text instead (money with all 4
 * decimals, style 2). Spatial types as WKT, other CLR/variant types as text.
 */
export function selectExpr(quoted: string, column: Pick<MssqlColumn, 'base'>): string {
  switch (column.base) {
    case 'decimal':
    case 'numeric':
      return `CONVERT(VARCHAR(48), ${quoted})`;
    case 'money':
    case 'smallmoney':
      return `CONVERT(VARCHAR(48), ${quoted}, 2)`;
    case 'geography':
    case 'geometry':
      return `${quoted}.STAsText()`;
    case 'hierarchyid':
    case 'sql_variant':
      return `CONVERT(NVARCHAR(4000), ${quoted})`;
    default:
      return quoted;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** tedious (useUTC) gives a Date with ms and `nanosecondsDelta` (seconds below the ms) for time/datetime2/datetimeoffset. */
function fraction(value: Date): string {
  const sub = Math.round(((value as Date & { nanosecondsDelta?: number }).nanosecondsDelta ?? 0) * 1e7);
  return String(value.getUTCMilliseconds() * 10_000 + sub).padStart(7, '0');
}

function datePart(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function timePart(d: Date): string {
  return trimFraction(`${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${fraction(d)}`);
}

/**
 * A tedious value → the canonical value, by the column's type. Temporal
 * values are exact to SQL Server's 100 ns: the Date's milliseconds plus
 * tedious' `nanosecondsDelta`, formatted in UTC (the driver runs with
 * `useUTC: true`, so datetime2 wall-clock values come back unshifted).
 */
export function decodeValue(value: unknown, column: Pick<MssqlColumn, 'type' | 'base'>): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type.kind) {
    case 'int16':
    case 'int32':
    case 'float32':
    case 'float64':
      return typeof value === 'number' ? value : Number(value);
    case 'int64':
    case 'decimal':
      return String(value);
    case 'bool':
      return value === true || value === 1;
    case 'text': {
      const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
      return column.type.fixed ? trimPad(text) : text;
    }
    case 'bytes':
      return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
    case 'date':
      return value instanceof Date ? datePart(value) : String(value);
    case 'time':
      return value instanceof Date ? timePart(value) : String(value);
    case 'timestamp':
      return value instanceof Date ? `${datePart(value)} ${timePart(value)}` : String(value);
    case 'timestamptz':
      return value instanceof Date ? `${datePart(value)}T${timePart(value)}Z` : String(value);
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : value;
    case 'uuid':
      return String(value).toLowerCase();
  }
}

// ---- writing ------------------------------------------------------------------

/** How a column's values travel: the mssql type of parameters and bulk columns, and whether the server must convert. */
export interface WireType {
  spec: MssqlTypeSpec;
  /** Not the column's own type (decimals as exact text, xml, CLR types): bulk loads go through a staging table. */
  converted: boolean;
}

/** The mssql type a column's values are sent as (bound parameters and bulk load columns). */
export function wireType(column: Pick<MssqlColumn, 'base' | 'length' | 'scale'>): WireType {
  const T = mssqlDriver().TYPES;
  const max = mssqlDriver().MAX;
  const len = column.length === -1 || column.length === 0 ? max : column.length;
  const exact = (spec: MssqlTypeSpec) => ({ spec, converted: false });
  switch (column.base) {
    case 'bit':
      return exact(T.Bit());
    case 'tinyint':
      return exact(T.TinyInt());
    case 'smallint':
      return exact(T.SmallInt());
    case 'int':
      return exact(T.Int());
    case 'bigint':
      return exact(T.BigInt());
    case 'real':
      return exact(T.Real());
    case 'float':
      return exact(T.Float());
    case 'decimal':
    case 'numeric':
    case 'money':
    case 'smallmoney':
      // tedious encodes DECIMAL from a JS number (inexact beyond 2^53): send the exact text, the server converts.
      return { spec: T.VarChar(48), converted: true };
    case 'varchar':
      return exact(T.VarChar(len));
    case 'nvarchar':
      return exact(T.NVarChar(len));
    case 'sysname':
      return exact(T.NVarChar(128));
    case 'varbinary':
      return exact(T.VarBinary(len));
    // Fixed-length and legacy LOB types travel as their varying kin (the server pads / converts).
    case 'char':
      return { spec: T.VarChar(len), converted: true };
    case 'text':
      return { spec: T.VarChar(max), converted: true };
    case 'nchar':
      return { spec: T.NVarChar(len), converted: true };
    case 'ntext':
      return { spec: T.NVarChar(max), converted: true };
    case 'binary':
      return { spec: T.VarBinary(len), converted: true };
    case 'image':
      return { spec: T.VarBinary(max), converted: true };
    case 'date':
      return exact(T.Date());
    case 'time':
      return exact(T.Time(column.scale));
    case 'datetime2':
      return exact(T.DateTime2(column.scale));
    case 'datetimeoffset':
      return exact(T.DateTimeOffset(column.scale));
    case 'datetime':
      return exact(T.DateTime());
    case 'smalldatetime':
      return exact(T.SmallDateTime());
    case 'uniqueidentifier':
      return exact(T.UniqueIdentifier());
    default:
      // xml, json (2025), sql_variant, hierarchyid, spatial: as text the server converts.
      return { spec: T.NVarChar(max), converted: true };
  }
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal's text without exponent (`1.5e3` → `1500`), exact: the server's string → DECIMAL conversion takes no exponent. */
export function plainDecimal(text: string): string | null {
  const m = DECIMAL.exec(text.trim());
  if (!m || (!m[2] && !m[3])) return null;
  const sign = m[1] === '-' ? '-' : '';
  let int = m[2] ?? '';
  let frac = m[3] ?? '';
  const exp = Number(m[4] ?? 0);
  if (exp > 0) {
    const moved = frac.slice(0, exp).padEnd(exp, '0');
    int += moved;
    frac = frac.slice(exp);
  } else if (exp < 0) {
    const k = -exp;
    frac = int.slice(-k).padStart(k, '0') + frac;
    int = int.length > k ? int.slice(0, -k) : '';
  }
  int = int.replace(/^0+(?=\d)/, '') || '0';
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}

const TEMPORAL = /^(?:(-?\d{4,})-(\d{2})-(\d{2}))?(?:[T ]?(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A canonical temporal string → a Date tedious writes exactly: the Date in
 * UTC to the millisecond, and the rest (down to 100 ns) as the
 * `nanosecondDelta` tedious adds when it encodes time, datetime2 and
 * datetimeoffset. A zone offset is applied (the instant is kept).
 */
export function toTediousDate(value: unknown, kind: 'date' | 'time' | 'timestamp' | 'timestamptz', column: string): Date {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalidValue(column, kind, value);
    return value;
  }
  const text = String(value).trim();
  const m = TEMPORAL.exec(text);
  const hasDate = Boolean(m?.[1]);
  const hasTime = m?.[4] !== undefined;
  if (!m || (kind === 'date' && (!hasDate || hasTime)) || (kind === 'time' && (hasDate || !hasTime)) || ((kind === 'timestamp' || kind === 'timestamptz') && !hasDate)) {
    throw invalidValue(column, kind, value);
  }
  const [year, month, day] = hasDate ? [Number(m[1]), Number(m[2]), Number(m[3])] : [1970, 1, 1];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const digits = (m[7] ?? '').slice(0, 7).padEnd(7, '0');
  const ms = Number(digits.slice(0, 3));
  const rest = Number(digits.slice(3));
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day || d.getUTCHours() !== hour || d.getUTCMinutes() !== minute || d.getUTCSeconds() !== second) {
    throw invalidValue(column, kind, value);
  }
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const z = zone.slice(1).replace(':', '');
    d.setTime(d.getTime() - sign * (Number(z.slice(0, 2)) * 60 + Number(z.slice(2, 4) || '0')) * 60_000);
  }
  if (rest) Object.defineProperty(d, 'nanosecondDelta', { value: rest / 1e7, enumerable: false });
  return d;
}

/** A canonical value → the value of a parameter / bulk cell of `column` (see `wireType`). */
export function encodeValue(value: unknown, column: Pick<MssqlColumn, 'name' | 'base' | 'type'>): unknown {
  if (value === null || value === undefined) return null;
  const name = column.name;
  switch (column.base) {
    case 'bit':
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === '1' || value === 't' || value === 'true') return true;
      if (value === 0 || value === '0' || value === 'f' || value === 'false') return false;
      throw invalidValue(name, 'bool', value);
    case 'tinyint':
    case 'smallint':
    case 'int': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isInteger(n)) throw invalidValue(name, column.type.kind, value);
      return n;
    }
    case 'bigint': {
      const text = typeof value === 'bigint' ? value.toString() : String(value);
      if (!INTEGER.test(text)) throw invalidValue(name, 'int64', value);
      return text;
    }
    case 'decimal':
    case 'numeric':
    case 'money':
    case 'smallmoney': {
      const text = plainDecimal(typeof value === 'bigint' ? value.toString() : String(value));
      if (text === null) throw invalidValue(name, 'decimal', value);
      // The server would round extra decimal places without an error.
      const change = column.type.kind === 'decimal' ? decimalChange(text, column.type) : null;
      if (change) throw invalidValue(name, `${column.base}${column.type.kind === 'decimal' && column.type.precision !== undefined ? `(${column.type.precision},${column.type.scale ?? 0})` : ''}`, value, change);
      return text;
    }
    case 'real':
    case 'float': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) throw invalidValue(name, column.type.kind, value, 'SQL Server has no NaN or Infinity');
      return n;
    }
    case 'binary':
    case 'varbinary':
    case 'image':
      if (Buffer.isBuffer(value)) return value;
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      return Buffer.from(String(value), 'utf8');
    case 'date':
      return toTediousDate(value, 'date', name);
    case 'time':
      return toTediousDate(value, 'time', name);
    case 'datetime2':
    case 'datetime':
    case 'smalldatetime':
      return toTediousDate(value, 'timestamp', name);
    case 'datetimeoffset':
      return toTediousDate(value, 'timestamptz', name);
    case 'uniqueidentifier':
      return String(value).toLowerCase();
    default:
      if (column.type.kind === 'json') return JSON.stringify(value);
      return value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : typeof value === 'object' && !Buffer.isBuffer(value) ? JSON.stringify(value) : String(value);
  }
}

/** The T-SQL type a wire type declares (`VARCHAR(48)`, `NVARCHAR(MAX)`, …): a staging column that takes it as sent. */
export function wireDeclaration(spec: MssqlTypeSpec): string {
  const size = (n: number | undefined) => (n === undefined || n >= mssqlDriver().MAX ? 'MAX' : String(n));
  switch (spec.type.name) {
    case 'VarChar':
      return `VARCHAR(${size(spec.length)})`;
    case 'NVarChar':
      return `NVARCHAR(${size(spec.length)})`;
    case 'VarBinary':
      return `VARBINARY(${size(spec.length)})`;
    default:
      throw new Error(`no declaration for wire type ${spec.type.name}`);
  }
}

