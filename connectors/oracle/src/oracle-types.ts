import oracledb from 'oracledb';
import { ConnectorError, invalidValue, decimalChange, TestCode, trimFraction, type CanonicalType, type TypeMapper } from '@sluice/connector-sdk';

/*
 * Oracle ⇄ canonical types.
 *
 * | canonical    | Oracle DDL (createTable)                  | read back as                                   |
 * | ------------ | ----------------------------------------- | ---------------------------------------------- |
 * | int16/32/64  | NUMBER(5) / NUMBER(10) / NUMBER(19)       | NUMBER(p,0): p ≤ 5, ≤ 10, ≤ 19; wider: decimal |
 * | decimal(p,s) | NUMBER(p,s) (unbounded: NUMBER)           | NUMBER(p,s), NUMBER, FLOAT(b) (decimal digits) |
 * | float32/64   | BINARY_FLOAT / BINARY_DOUBLE              |                                                |
 * | bool         | NUMBER(1) CHECK (c IN (0, 1))             | that check, or BOOLEAN (23ai)                  |
 * | text(n)      | VARCHAR2(n CHAR), n ≤ 4000; else CLOB     | VARCHAR2, NVARCHAR2, CHAR, NCHAR, CLOB, LONG…  |
 * | bytes(n)     | RAW(n), n ≤ 2000; else BLOB               | RAW(n ≠ 16), BLOB, LONG RAW                    |
 * | date         | DATE CHECK (c = TRUNC(c))                 | that check (a plain DATE holds a time: timestamp) |
 * | time         | INTERVAL DAY(0) TO SECOND(6)              | an interval of less than a day                 |
 * | timestamp    | TIMESTAMP(6)                              | TIMESTAMP(n), DATE                             |
 * | timestamptz  | TIMESTAMP(6) WITH TIME ZONE               | … WITH (LOCAL) TIME ZONE, read in UTC          |
 * | json         | CLOB CHECK (c IS JSON)                    | that check (on CLOB/VARCHAR2/BLOB), or JSON    |
 * | uuid         | RAW(16)                                   | RAW(16) (SYS_GUID()'s type)                    |
 *
 * Oracle stores the empty string as NULL in VARCHAR2/CHAR: '' written there
 * reads back NULL (and fails a NOT NULL column). CLOB and BLOB keep empty
 * values apart from NULL (EMPTY_CLOB()/EMPTY_BLOB()), and so does Sluice.
 */

/** Largest VARCHAR2(n CHAR) emitted for text(n) (a standard-size VARCHAR2 holds 4000 bytes); longer texts become CLOB. */
export const MAX_VARCHAR2 = 4000;
/** Largest RAW(n) emitted for bytes(n); longer become BLOB. */
export const MAX_RAW = 2000;

/** A column as ALL_TAB_COLS describes it. */
export interface CatalogType {
  dataType: string;
  dataLength?: number | null;
  precision?: number | null;
  scale?: number | null;
  charLength?: number | null;
  charUsed?: string | null;
  typeOwner?: string | null;
}

/** What an Oracle CHECK constraint on one column says about its canonical type. */
export type CheckHint = 'bool' | 'date' | 'json';

/** The DDL spelling of a catalog type: `NUMBER(12,2)`, `VARCHAR2(40 CHAR)`, `TIMESTAMP(6) WITH TIME ZONE`. */
export function spellType(c: CatalogType): string {
  const t = c.dataType.toUpperCase();
  switch (t) {
    case 'NUMBER':
      if (c.precision === null || c.precision === undefined) return c.scale === 0 ? 'NUMBER(*,0)' : 'NUMBER';
      return c.scale ? `NUMBER(${c.precision},${c.scale})` : `NUMBER(${c.precision})`;
    case 'FLOAT':
      return c.precision ? `FLOAT(${c.precision})` : 'FLOAT';
    case 'VARCHAR2':
    case 'CHAR':
      return c.charUsed === 'C' ? `${t}(${c.charLength} CHAR)` : `${t}(${c.dataLength} BYTE)`;
    case 'NVARCHAR2':
    case 'NCHAR':
      return `${t}(${c.charLength ?? c.dataLength})`;
    case 'RAW':
    case 'UROWID':
      return `${t}(${c.dataLength})`;
    default:
      // TIMESTAMP(6), INTERVAL DAY(2) TO SECOND(6), … carry their precision; object types their owner.
      if (c.typeOwner && !['SYS', 'PUBLIC'].includes(c.typeOwner) && !/^(TIMESTAMP|INTERVAL)/.test(t)) return `"${c.typeOwner}"."${c.dataType}"`;
      return c.dataType;
  }
}

const NUMBER_RE = /^NUMBER\s*\(\s*(\d+|\*)\s*(?:,\s*(-?\d+)\s*)?\)$/;

/** Canonical type of a native type as `spellType` (or DDL) spells it; `hint` comes from a CHECK constraint on the column. */
export function toCanonical(nativeType: string, hint?: CheckHint | null): CanonicalType {
  const t = nativeType.trim().toUpperCase().replace(/\s+/g, ' ');
  if (hint === 'json' && /^(CLOB|NCLOB|BLOB|VARCHAR2|NVARCHAR2|JSON)\b/.test(t)) return { kind: 'json' };
  const num = NUMBER_RE.exec(t);
  if (num) {
    const precision = num[1] === '*' ? 38 : Number(num[1]);
    const scale = num[2] === undefined ? 0 : Number(num[2]);
    if (scale > 0) return { kind: 'decimal', precision, scale };
    if (scale < 0) return { kind: 'decimal', precision: precision - scale, scale: 0 };
    if (hint === 'bool' && precision === 1) return { kind: 'bool' };
    if (precision <= 5) return { kind: 'int16' };
    if (precision <= 10) return { kind: 'int32' };
    if (precision <= 19) return { kind: 'int64' };
    return { kind: 'decimal', precision, scale: 0 };
  }
  if (t === 'NUMBER' || /^FLOAT\b/.test(t) || t === 'REAL' || t === 'DOUBLE PRECISION') return { kind: 'decimal' };
  if (t === 'INTEGER' || t === 'INT' || t === 'SMALLINT') return { kind: 'decimal', precision: 38, scale: 0 };
  if (t === 'BINARY_FLOAT') return { kind: 'float32' };
  if (t === 'BINARY_DOUBLE') return { kind: 'float64' };
  if (t === 'BOOLEAN') return { kind: 'bool' };
  if (t === 'JSON') return { kind: 'json' };
  if (t === 'DATE') return hint === 'date' ? { kind: 'date' } : { kind: 'timestamp' };
  if (/^TIMESTAMP(\(\d\))? WITH (LOCAL )?TIME ZONE$/.test(t)) return { kind: 'timestamptz' };
  if (/^TIMESTAMP(\(\d\))?$/.test(t)) return { kind: 'timestamp' };
  if (/^INTERVAL DAY\(0\) TO SECOND(\(\d\))?$/.test(t)) return { kind: 'time' };
  const sized = /^(N?VARCHAR2?|N?CHAR|CHARACTER|RAW)\s*\(\s*(\d+)(?:\s+(?:CHAR|BYTE))?\s*\)$/.exec(t);
  if (sized) {
    const n = Number(sized[2]);
    if (sized[1] === 'RAW') return n === 16 ? { kind: 'uuid' } : { kind: 'bytes', maxLength: n };
    return { kind: 'text', maxLength: n };
  }
  if (t === 'BLOB' || t === 'LONG RAW') return { kind: 'bytes' };
  // CLOB, NCLOB, LONG, ROWID, UROWID, XMLTYPE, other intervals, and anything else: read as text.
  return { kind: 'text' };
}

/** Native DDL type holding a canonical type (the CHECK that some need comes from `columnCheck`). */
export function toNative(type: CanonicalType): string {
  switch (type.kind) {
    case 'int16':
      return 'NUMBER(5)';
    case 'int32':
      return 'NUMBER(10)';
    case 'int64':
      return 'NUMBER(19)';
    case 'decimal': {
      if (type.precision === undefined) return 'NUMBER';
      const scale = type.scale ?? 0;
      if (type.precision > 38 || type.precision < 1 || scale > 127 || scale < -84) {
        throw new ConnectorError(TestCode.DRIVER_ERROR, `decimal(${type.precision},${scale}) does not fit Oracle's NUMBER (precision 1…38)`, false);
      }
      return scale ? `NUMBER(${type.precision},${scale})` : `NUMBER(${type.precision})`;
    }
    case 'float32':
      return 'BINARY_FLOAT';
    case 'float64':
      return 'BINARY_DOUBLE';
    case 'bool':
      return 'NUMBER(1)';
    case 'text':
      return type.maxLength !== undefined && type.maxLength <= MAX_VARCHAR2 ? `VARCHAR2(${Math.max(1, type.maxLength)} CHAR)` : 'CLOB';
    case 'bytes':
      return type.maxLength !== undefined && type.maxLength <= MAX_RAW ? `RAW(${Math.max(1, type.maxLength)})` : 'BLOB';
    case 'date':
      return 'DATE';
    case 'time':
      return 'INTERVAL DAY(0) TO SECOND(6)';
    case 'timestamp':
      return 'TIMESTAMP(6)';
    case 'timestamptz':
      return 'TIMESTAMP(6) WITH TIME ZONE';
    case 'json':
      return 'CLOB';
    case 'uuid':
      return 'RAW(16)';
  }
}

/** The CHECK that makes a column read back as its canonical type (bool, date, json), or null. */
export function columnCheck(type: CanonicalType, quoted: string): string | null {
  if (type.kind === 'bool') return `CHECK (${quoted} IN (0, 1))`;
  if (type.kind === 'date') return `CHECK (${quoted} = TRUNC(${quoted}))`;
  if (type.kind === 'json') return `CHECK (${quoted} IS JSON)`;
  return null;
}

const REF = String.raw`("[^"]+"|[A-Za-z][A-Za-z0-9_$#]*)`;
const BOOL_CHECK = new RegExp(String.raw`^\s*${REF}\s+IN\s*\(\s*(?:0\s*,\s*1|1\s*,\s*0)\s*\)\s*$`, 'i');
const DATE_CHECK = new RegExp(String.raw`^\s*${REF}\s*=\s*TRUNC\s*\(\s*${REF}\s*\)\s*$`, 'i');
const JSON_CHECK = new RegExp(String.raw`^\s*${REF}\s+IS\s+JSON\b`, 'i');

/** A column reference as Oracle resolves it: quoted exactly, unquoted in upper case. */
const refName = (ref: string) => (ref.startsWith('"') ? ref.slice(1, -1) : ref.toUpperCase());

/** The column and type hint of a CHECK condition Sluice writes (or an equivalent one), else null. */
export function parseCheck(condition: string | null | undefined): { column: string; hint: CheckHint } | null {
  if (!condition) return null;
  let m = BOOL_CHECK.exec(condition);
  if (m) return { column: refName(m[1]!), hint: 'bool' };
  m = DATE_CHECK.exec(condition);
  if (m && refName(m[1]!) === refName(m[2]!)) return { column: refName(m[1]!), hint: 'date' };
  m = JSON_CHECK.exec(condition);
  if (m) return { column: refName(m[1]!), hint: 'json' };
  return null;
}

export const oracleTypes: TypeMapper = { toCanonical: (native) => toCanonical(native), toNative };

// ---- values ---------------------------------------------------------------

/** How the driver hands over / takes a native type. */
export type NativeFamily =
  | 'number' | 'binary_float' | 'binary_double' | 'boolean' | 'varchar' | 'nvarchar' | 'clob' | 'nclob' | 'long'
  | 'raw' | 'blob' | 'long_raw' | 'date' | 'timestamp' | 'timestamp_tz' | 'interval_ds' | 'interval_ym' | 'json' | 'rowid' | 'xml' | 'other';

export function familyOf(nativeType: string): NativeFamily {
  const t = nativeType.trim().toUpperCase();
  if (/^(NUMBER|FLOAT|INTEGER|INT|SMALLINT|REAL|DOUBLE PRECISION)\b/.test(t)) return 'number';
  if (t === 'BINARY_FLOAT') return 'binary_float';
  if (t === 'BINARY_DOUBLE') return 'binary_double';
  if (t === 'BOOLEAN') return 'boolean';
  if (/^(VARCHAR2?|CHAR|CHARACTER)\b/.test(t)) return 'varchar';
  if (/^N(VARCHAR2|CHAR)\b/.test(t)) return 'nvarchar';
  if (t === 'CLOB') return 'clob';
  if (t === 'NCLOB') return 'nclob';
  if (t === 'LONG') return 'long';
  if (/^RAW\b/.test(t)) return 'raw';
  if (t === 'BLOB') return 'blob';
  if (t === 'LONG RAW') return 'long_raw';
  if (t === 'DATE') return 'date';
  if (/^TIMESTAMP.*TIME ZONE$/.test(t)) return 'timestamp_tz';
  if (/^TIMESTAMP/.test(t)) return 'timestamp';
  if (/^INTERVAL DAY/.test(t)) return 'interval_ds';
  if (/^INTERVAL YEAR/.test(t)) return 'interval_ym';
  if (t === 'JSON') return 'json';
  if (/^U?ROWID\b/.test(t)) return 'rowid';
  if (t === 'XMLTYPE' || t === '"SYS"."XMLTYPE"') return 'xml';
  return 'other';
}

export const isLob = (f: NativeFamily) => f === 'clob' || f === 'nclob' || f === 'blob';

/** A column with what reads and writes need: its name, native spelling and canonical type. */
export interface TypedColumn {
  name: string;
  nativeType: string;
  type: CanonicalType;
}

/**
 * The select expression of a column and how to fetch it, so that the driver
 * hands over text the connector can make canonical exactly: numbers as the
 * driver's decimal text, dates through TO_CHAR with fixed formats (no NLS
 * settings involved), time zones in UTC, LOBs inline.
 */
export function selectExpr(quoted: string, col: TypedColumn): { sql: string; fetch: 'string' | 'buffer' | null } {
  const family = familyOf(col.nativeType);
  const kind = col.type.kind;
  if (family === 'number' && kind !== 'int16' && kind !== 'int32' && kind !== 'bool') return { sql: quoted, fetch: 'string' };
  if (family === 'date') {
    return { sql: `TO_CHAR(${quoted}, '${kind === 'date' ? 'YYYY-MM-DD' : 'YYYY-MM-DD HH24:MI:SS'}')`, fetch: null };
  }
  if (family === 'timestamp') return { sql: `TO_CHAR(${quoted}, 'YYYY-MM-DD HH24:MI:SS.FF6')`, fetch: null };
  if (family === 'timestamp_tz') return { sql: `TO_CHAR(SYS_EXTRACT_UTC(${quoted}), 'YYYY-MM-DD"T"HH24:MI:SS.FF6')`, fetch: null };
  if ((family === 'interval_ds' && kind !== 'time') || family === 'interval_ym') return { sql: `TO_CHAR(${quoted})`, fetch: null };
  if (family === 'clob' || family === 'nclob' || family === 'long') return { sql: quoted, fetch: 'string' };
  if (family === 'blob' || family === 'long_raw') return { sql: quoted, fetch: 'buffer' };
  if (family === 'rowid') return { sql: `ROWIDTOCHAR(${quoted})`, fetch: null };
  if (family === 'xml') return { sql: `XMLSERIALIZE(DOCUMENT ${quoted} AS CLOB)`, fetch: 'string' };
  return { sql: quoted, fetch: null };
}

/** `.5` → `0.5`, `-.5` → `-0.5` (thin mode's NUMBER text has no leading zero); padded to `scale` decimals. */
export function normalizeNumber(text: string, scale?: number): string {
  let out = text.replace(/^(-?)\./, '$10.');
  if (scale && scale > 0 && !/e/i.test(out)) {
    const [int, frac = ''] = out.split('.');
    out = `${int}.${frac.padEnd(scale, '0')}`;
  }
  return out;
}

function formatUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** An INTERVAL DAY(0) TO SECOND (oracledb.IntervalDS, fseconds in nanoseconds) → `HH:MM:SS[.ffffff]`. */
export function formatTime(v: { days?: number; hours?: number; minutes?: number; seconds?: number; fseconds?: number }): string {
  const neg = [v.days, v.hours, v.minutes, v.seconds, v.fseconds].some((x) => (x ?? 0) < 0);
  const abs = (x?: number) => Math.abs(x ?? 0);
  const hours = abs(v.days) * 24 + abs(v.hours);
  const pad = (n: number) => String(n).padStart(2, '0');
  const micros = Math.floor(abs(v.fseconds) / 1000);
  return (neg ? '-' : '') + trimFraction(`${pad(hours)}:${pad(abs(v.minutes))}:${pad(abs(v.seconds))}.${String(micros).padStart(6, '0')}`);
}

/** A fetched value → the canonical value. `present` is false for a NULL LOB (the driver reads an empty LOB inline as null too). */
export function decodeValue(value: unknown, col: TypedColumn, present = value !== null): unknown {
  const type = col.type;
  if (value === null || value === undefined) {
    if (!present) return null;
    // An empty (non-NULL) CLOB/BLOB.
    if (type.kind === 'bytes') return Buffer.alloc(0);
    if (type.kind === 'text') return '';
    return null;
  }
  switch (type.kind) {
    case 'int16':
    case 'int32':
      return typeof value === 'number' ? value : Number(value);
    case 'int64':
      return normalizeNumber(String(value));
    case 'decimal':
      return normalizeNumber(String(value), type.scale);
    case 'float32':
    case 'float64':
      return typeof value === 'number' ? value : Number(value);
    case 'bool':
      return typeof value === 'boolean' ? value : Number(value) !== 0;
    case 'text':
      return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
    case 'bytes':
      return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
    case 'date':
      return String(value);
    case 'time':
      return typeof value === 'object' ? formatTime(value as object) : String(value);
    case 'timestamp':
      return trimFraction(String(value));
    case 'timestamptz':
      return trimFraction(`${String(value)}Z`);
    case 'json':
      if (Buffer.isBuffer(value)) return JSON.parse(value.toString('utf8'));
      return typeof value === 'string' ? JSON.parse(value) : value;
    case 'uuid':
      return Buffer.isBuffer(value) ? formatUuid(value) : String(value).toLowerCase();
  }
}

// ---- binds ----------------------------------------------------------------

/** Where a bound value goes: INSERT VALUES takes long binds into LOBs; MERGE's USING subquery needs real LOB binds. */
export type BindContext = 'insert' | 'merge' | 'predicate';

/** How one column is bound: the driver type, the SQL around the placeholder, and the value conversion. */
export interface BindPlan {
  type: oracledb.DbType;
  /** Strings and buffers: size from the batch's values (bytes), at least `minSize`. */
  sized: boolean;
  minSize: number;
  wrap(placeholder: string): string;
  encode(value: unknown): unknown;
  /** The literal that writes an empty (not NULL) value of this LOB column: EMPTY_CLOB() / EMPTY_BLOB(). */
  emptyLiteral: string | null;
}

/** Larger than any server's max string size (4000 / 32767): the driver sends such binds as LONG, which a LOB column takes whole. */
const LONG_BIND = 32768;

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^(\d{4}-\d{2}-\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;


/** `…Z` / `…+02:00` / Date → `YYYY-MM-DD HH:MM:SS.fffffffff` in UTC. */
export function toUtcText(value: unknown, column: string, type: CanonicalType): string {
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '').padEnd(29, '0');
  const m = DATETIME.exec(String(value).trim());
  if (!m) throw invalidValue(column, type, value);
  const [, date, time, fraction = '', zone = 'Z'] = m;
  const frac = fraction.padEnd(9, '0');
  if (zone.toUpperCase() === 'Z' || /^[+-]00:?(00)?$/.test(zone)) return `${date} ${time}.${frac}`;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  const utc = new Date(Date.parse(`${date}T${time}Z`) - offsetMin * 60_000).toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 19)}.${frac}`;
}

const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'object' ? JSON.stringify(value) : String(value));
const bytes = (value: unknown) =>
  Buffer.isBuffer(value) ? value : value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : Buffer.from(String(value), 'utf8');

/** The bind plan of a column (its canonical type and the native type it lands in). */
export function bindPlan(col: TypedColumn, context: BindContext): BindPlan {
  const { name, type } = col;
  const family = familyOf(col.nativeType);
  const plain = (t: oracledb.DbType, encode: (v: unknown) => unknown, wrap = (p: string) => p): BindPlan =>
    ({ type: t, sized: false, minSize: 0, wrap, encode, emptyLiteral: null });
  const sized = (t: oracledb.DbType, encode: (v: unknown) => unknown, wrap = (p: string) => p, minSize = 1): BindPlan =>
    ({ type: t, sized: true, minSize, wrap, encode, emptyLiteral: null });
  const inLob = family === 'clob' || family === 'nclob' || family === 'blob';

  switch (type.kind) {
    case 'int16':
    case 'int32':
      return plain(oracledb.DB_TYPE_NUMBER, (v) => {
        const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : INTEGER.test(String(v).trim()) ? Number(String(v).trim()) : NaN;
        if (!Number.isSafeInteger(n)) throw invalidValue(name, type, v);
        return n;
      });
    case 'int64':
      return plain(oracledb.DB_TYPE_NUMBER, (v) => {
        if (typeof v === 'bigint') return v;
        const s = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : String(v).trim();
        if (!INTEGER.test(s)) throw invalidValue(name, type, v);
        return BigInt(s);
      });
    case 'decimal':
      // Exact: the text goes to TO_NUMBER (the session's NLS_NUMERIC_CHARACTERS is '.,').
      return sized(oracledb.DB_TYPE_VARCHAR, (v) => {
        const s = typeof v === 'bigint' ? v.toString() : String(v).trim();
        if (!DECIMAL.test(s)) throw invalidValue(name, type, v);
        // NUMBER rounds extra decimal places (and digits past its 38 significant ones) without an error.
        const change = decimalChange(s, type.precision === undefined ? { significant: 38 } : type);
        if (change) throw invalidValue(name, type, v, change);
        return s;
      }, (p) => `TO_NUMBER(${p})`);
    case 'float32':
    case 'float64':
      return plain(type.kind === 'float32' ? oracledb.DB_TYPE_BINARY_FLOAT : oracledb.DB_TYPE_BINARY_DOUBLE, (v) => {
        const n = typeof v === 'number' ? v : Number(v);
        if (Number.isNaN(n) && !(typeof v === 'string' && /^nan$/i.test(v.trim()))) throw invalidValue(name, type, v);
        return n;
      });
    case 'bool': {
      const truth = (v: unknown) => v === true || v === 1 || v === '1' || v === 't' || v === 'true';
      if (family === 'boolean') return plain(oracledb.DB_TYPE_BOOLEAN, truth);
      return plain(oracledb.DB_TYPE_NUMBER, (v) => (truth(v) ? 1 : 0));
    }
    case 'bytes':
    case 'uuid': {
      const encode = type.kind === 'uuid'
        ? (v: unknown) => {
            if (Buffer.isBuffer(v) && v.length === 16) return v;
            const s = String(v).trim();
            if (!UUID.test(s)) throw invalidValue(name, type, v);
            return Buffer.from(s.replace(/-/g, ''), 'hex');
          }
        : bytes;
      if (family === 'blob' || family === 'long_raw') {
        if (context === 'insert' || family === 'long_raw') return { ...sized(oracledb.DB_TYPE_RAW, encode, undefined, LONG_BIND), emptyLiteral: family === 'blob' ? 'EMPTY_BLOB()' : null };
        return { ...plain(oracledb.DB_TYPE_BLOB, encode), emptyLiteral: 'EMPTY_BLOB()' };
      }
      return sized(oracledb.DB_TYPE_RAW, encode);
    }
    case 'date':
      return sized(oracledb.DB_TYPE_VARCHAR, (v) => {
        const s = v instanceof Date ? v.toISOString().slice(0, 10) : String(v).trim();
        if (!DATE.test(s)) throw invalidValue(name, type, v);
        return s;
      }, (p) => `TO_DATE(${p}, 'YYYY-MM-DD')`);
    case 'timestamp':
    case 'timestamptz': {
      const utc = type.kind === 'timestamptz';
      const encode = (v: unknown) => {
        if (utc) return toUtcText(v, name, type);
        if (v instanceof Date) return toUtcText(v, name, type);
        const m = DATETIME.exec(String(v).trim());
        if (!m || m[4]) throw invalidValue(name, type, v, m?.[4] ? 'a timestamp without time zone has no offset' : '');
        return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(9, '0')}`;
      };
      if (family === 'date') {
        // DATE holds whole seconds: a fraction would be lost, so it is refused.
        return sized(oracledb.DB_TYPE_VARCHAR, (v) => {
          const s = encode(v) as string;
          if (!/\.0{9}$/.test(s)) throw invalidValue(name, type, v, `${col.nativeType} stores whole seconds: the fraction would be lost`);
          return s.slice(0, 19);
        }, (p) => `TO_DATE(${p}, 'YYYY-MM-DD HH24:MI:SS')`);
      }
      if (family === 'timestamp_tz' || utc) {
        return sized(oracledb.DB_TYPE_VARCHAR, (v) => `${toUtcText(v, name, type)} +00:00`, (p) => `TO_TIMESTAMP_TZ(${p}, 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')`);
      }
      return sized(oracledb.DB_TYPE_VARCHAR, encode, (p) => `TO_TIMESTAMP(${p}, 'YYYY-MM-DD HH24:MI:SS.FF9')`);
    }
    case 'time':
      return sized(oracledb.DB_TYPE_VARCHAR, (v) => {
        const m = TIME.exec(String(v).trim());
        if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59) throw invalidValue(name, type, v);
        return `0 ${m[1]}:${m[2]}:${m[3]}.${(m[4] ?? '').padEnd(9, '0')}`;
      }, (p) => `TO_DSINTERVAL(${p})`);
    case 'json':
      if (family === 'json') return plain(oracledb.DB_TYPE_JSON, (v) => v);
      return textPlan(col, family, context, (v) => (typeof v === 'string' ? v : JSON.stringify(v)), inLob);
    case 'text':
      return textPlan(col, family, context, text, inLob);
  }
}

function textPlan(col: TypedColumn, family: NativeFamily, context: BindContext, encode: (v: unknown) => string, inLob: boolean): BindPlan {
  const national = family === 'nvarchar' || family === 'nclob';
  const base = { wrap: (p: string) => p, encode, emptyLiteral: null as string | null, sized: true, minSize: 1, type: national ? oracledb.DB_TYPE_NVARCHAR : oracledb.DB_TYPE_VARCHAR };
  if (inLob) {
    const emptyLiteral = family === 'nclob' ? 'EMPTY_CLOB()' : family === 'blob' ? 'EMPTY_BLOB()' : 'EMPTY_CLOB()';
    if (family === 'blob') {
      // JSON stored in a BLOB (IS JSON): UTF-8 bytes.
      const enc = (v: unknown) => Buffer.from(encode(v), 'utf8');
      return context === 'insert'
        ? { ...base, type: oracledb.DB_TYPE_RAW, encode: enc, minSize: LONG_BIND, emptyLiteral }
        : { ...base, type: oracledb.DB_TYPE_BLOB, encode: enc, sized: false, minSize: 0, emptyLiteral };
    }
    if (context === 'insert') return { ...base, minSize: LONG_BIND, emptyLiteral };
    return { ...base, type: national ? oracledb.DB_TYPE_NCLOB : oracledb.DB_TYPE_CLOB, sized: false, minSize: 0, emptyLiteral };
  }
  if (family === 'interval_ds') return { ...base, wrap: (p) => `TO_DSINTERVAL(${p})` };
  if (family === 'interval_ym') return { ...base, wrap: (p) => `TO_YMINTERVAL(${p})` };
  if (family === 'rowid') return { ...base, wrap: (p) => `CHARTOROWID(${p})` };
  if (family === 'xml') return { ...base, type: oracledb.DB_TYPE_CLOB, sized: false, minSize: 0, wrap: (p) => `XMLTYPE(${p})` };
  if (family === 'long') return { ...base, minSize: LONG_BIND };
  return base;
}

/** Whether a value is the empty value a LOB keeps apart from NULL. */
export function isEmptyLobValue(value: unknown): boolean {
  return value === '' || (Buffer.isBuffer(value) && value.length === 0);
}
