import { trimFraction, trimPad, type CanonicalType, type TypeMapper } from '@sluice/connector-sdk';
import type { CustomTypesConfig } from 'pg';

/**
 * Native ⇄ canonical types. `nativeType` is spelled as `format_type()` prints
 * it (`character varying(40)`, `timestamp(3) with time zone`) or as DDL
 * abbreviates it (`varchar(40)`, `int8`, `timestamptz`). Every type without a
 * canonical counterpart (arrays, enums, intervals, ranges, network types, …)
 * maps to `text`: its value travels as PostgreSQL's own text representation.
 */
export const postgresTypes: TypeMapper = {
  toCanonical(nativeType: string): CanonicalType {
    const spelled = nativeType.trim().toLowerCase();
    if (spelled.endsWith(']')) return { kind: 'text' };
    const m = /^([a-z" ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\))?\s*(with(?:out)? time zone)?$/.exec(spelled);
    if (!m) return { kind: 'text' };
    const [, base = '', a, b, zone] = m;
    const n1 = a === undefined ? undefined : Number(a);
    switch (base) {
      case 'smallint': case 'int2': case 'smallserial': case 'serial2':
        return { kind: 'int16' };
      case 'integer': case 'int': case 'int4': case 'serial': case 'serial4':
        return { kind: 'int32' };
      case 'bigint': case 'int8': case 'bigserial': case 'serial8':
        return { kind: 'int64' };
      case 'numeric': case 'decimal':
        return n1 === undefined ? { kind: 'decimal' } : { kind: 'decimal', precision: n1, scale: b === undefined ? 0 : Number(b) };
      case 'real': case 'float4':
        return { kind: 'float32' };
      case 'double precision': case 'float8':
        return { kind: 'float64' };
      case 'float':
        return n1 !== undefined && n1 <= 24 ? { kind: 'float32' } : { kind: 'float64' };
      case 'boolean': case 'bool':
        return { kind: 'bool' };
      case 'character varying': case 'varchar':
        return n1 === undefined ? { kind: 'text' } : { kind: 'text', maxLength: n1 };
      case 'character': case 'char': case 'bpchar':
        // char without a length is char(1); bpchar without one is blank-trimmed unbounded text.
        if (n1 === undefined) return base === 'bpchar' ? { kind: 'text' } : { kind: 'text', maxLength: 1, fixed: true };
        return { kind: 'text', maxLength: n1, fixed: true };
      case 'bytea':
        return { kind: 'bytes' };
      case 'date':
        return { kind: 'date' };
      case 'time':
        return zone === 'with time zone' ? { kind: 'text' } : withPrecision({ kind: 'time' }, n1);
      case 'timetz':
        return { kind: 'text' };
      case 'timestamp':
        return withPrecision(zone === 'with time zone' ? { kind: 'timestamptz' } : { kind: 'timestamp' }, n1);
      case 'timestamptz':
        return withPrecision({ kind: 'timestamptz' }, n1);
      case 'json': case 'jsonb':
        return { kind: 'json' };
      case 'uuid':
        return { kind: 'uuid' };
      default:
        return { kind: 'text' };
    }
  },

  toNative(type: CanonicalType): string {
    switch (type.kind) {
      case 'int16': return 'smallint';
      case 'int32': return 'integer';
      case 'int64': return 'bigint';
      case 'decimal':
        // PostgreSQL caps numeric precision at 1000; wider stays unbounded (exact anyway).
        return type.precision !== undefined && type.precision >= 1 && type.precision <= 1000
          ? `numeric(${type.precision},${type.scale ?? 0})`
          : 'numeric';
      case 'float32': return 'real';
      case 'float64': return 'double precision';
      case 'bool': return 'boolean';
      case 'text':
        return type.maxLength !== undefined && type.maxLength >= 1 && type.maxLength <= 10_485_760
          ? `${type.fixed ? 'char' : 'varchar'}(${type.maxLength})`
          : 'text';
      case 'bytes': return 'bytea';
      case 'date': return 'date';
      case 'time': return 'time';
      case 'timestamp': return 'timestamp';
      case 'timestamptz': return 'timestamptz';
      case 'json': return 'jsonb';
      case 'uuid': return 'uuid';
    }
  },
};

/** A time type with the fractional-second digits its column declares (6, the default, left out). */
function withPrecision<T extends { kind: 'time' | 'timestamp' | 'timestamptz' }>(type: T, precision: number | undefined): T & { precision?: number } {
  return precision === undefined || precision >= 6 ? type : { ...type, precision };
}

const OID = {
  bool: 16, bytea: 17, bpchar: 1042, int8: 20, int2: 21, int4: 23, json: 114, float4: 700, float8: 701,
  date: 1082, time: 1083, timestamp: 1114, timestamptz: 1184, numeric: 1700, uuid: 2950, jsonb: 3802,
} as const;

const raw = (value: string) => value;

/** `2024-01-02 03:04:05.5+00` (session TimeZone UTC, DateStyle ISO) → `2024-01-02T03:04:05.5Z`. */
export function canonicalTimestamptz(value: string): string {
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)\+00(?::00)?$/.exec(value);
  return m ? trimFraction(`${m[1]}T${m[2]}Z`) : value;
}


function parseBytea(value: string): Buffer {
  // The session sets bytea_output = hex.
  return Buffer.from(value.slice(2), 'hex');
}

const PARSERS: Record<number, (value: string) => unknown> = {
  [OID.bool]: (v) => v === 't',
  [OID.bytea]: parseBytea,
  // char(n): the pad spaces are not part of the value (canonical fixed text), as MySQL returns CHAR.
  [OID.bpchar]: trimPad,
  [OID.int2]: (v) => Number(v),
  [OID.int4]: (v) => Number(v),
  // The exact float32 value (PostgreSQL prints the shortest form, e.g. 3.4028235e+38, which as a double exceeds float32's max).
  [OID.float4]: (v) => Math.fround(Number.parseFloat(v)), // also 'NaN', 'Infinity', '-Infinity'
  [OID.float8]: (v) => Number.parseFloat(v),
  [OID.time]: trimFraction,
  [OID.timestamp]: trimFraction,
  [OID.timestamptz]: canonicalTimestamptz,
  [OID.json]: (v) => JSON.parse(v),
  [OID.jsonb]: (v) => JSON.parse(v),
  // int8, numeric, date, uuid and everything else: PostgreSQL's text, exact.
};

/** Per-client parsers (never the global `pg.types`): driver text → canonical values. */
export const canonicalTypeParsers: CustomTypesConfig = {
  getTypeParser: ((oid: number) => PARSERS[oid] ?? raw) as CustomTypesConfig['getTypeParser'],
};

/** How a destination column takes a value: JSON columns need the value serialised. */
export type ValueKind = 'json' | 'other';

export function valueKindOf(nativeType: string): ValueKind {
  return postgresTypes.toCanonical(nativeType).kind === 'json' ? 'json' : 'other';
}

/** A canonical value as a bind parameter (pg would turn JS arrays into PostgreSQL arrays and Dates into local time). */
export function toParam(value: unknown, kind: ValueKind = 'other'): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'json') return JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || typeof value !== 'object') return value;
  return JSON.stringify(value);
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const NEEDS_ESCAPE = /[\\\t\n\r]/;
// Most texts hold nothing to escape: one test, no replacement string built.
const escapeCopy = (text: string) => (NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : text);

/** A canonical value as one field of COPY's text format. */
export function toCopyField(value: unknown, kind: ValueKind): string {
  if (value === null || value === undefined) return '\\N';
  if (kind === 'json') return escapeCopy(JSON.stringify(value));
  switch (typeof value) {
    case 'string': return escapeCopy(value);
    case 'number': case 'bigint': return String(value);
    case 'boolean': return value ? 't' : 'f';
  }
  if (Buffer.isBuffer(value)) return '\\\\x' + value.toString('hex');
  if (value instanceof Date) return value.toISOString();
  return escapeCopy(JSON.stringify(value));
}
