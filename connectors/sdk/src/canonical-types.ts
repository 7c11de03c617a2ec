/**
 * Canonical types: the bridge between engines. Every connector maps its
 * native types to these and back, so a table read on one engine can be
 * created and written on another.
 *
 * Values in row batches use one JS representation per canonical type, the
 * same on every engine, chosen to be exact:
 *
 * | type        | JS value                                                  |
 * | ----------- | --------------------------------------------------------- |
 * | int16/int32 | number                                                    |
 * | int64       | string of decimal digits (exact beyond 2^53)              |
 * | decimal     | string, e.g. "-12.3400" (exact; scale as stored)          |
 * | float32     | number: the exact float32 value (Math.fround of the text) |
 * | float64     | number                                                    |
 * | bool        | boolean                                                   |
 * | text        | string                                                    |
 * | bytes       | Buffer                                                    |
 * | date        | string "YYYY-MM-DD"                                       |
 * | time        | string "HH:MM:SS" or "HH:MM:SS.ffffff"                    |
 * | timestamp   | string "YYYY-MM-DD HH:MM:SS[.ffffff]" (no zone)           |
 * | timestamptz | string "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (UTC)              |
 * | json        | the parsed JSON value (object, array, string, number, …)  |
 * | uuid        | string, lower case, 8-4-4-4-12                            |
 *
 * `null` is SQL NULL for every type. Fractional seconds carry no trailing
 * zeros beyond what the value needs ("…:05.5", not "…:05.500000").
 */
export type CanonicalType =
  | { kind: 'int16' }
  | { kind: 'int32' }
  | { kind: 'int64' }
  | { kind: 'decimal'; precision?: number; scale?: number }
  | { kind: 'float32' }
  | { kind: 'float64' }
  | { kind: 'bool' }
  /**
   * `fixed`: blank-padded CHAR(n), whose trailing spaces are not significant (SQL compares
   * 'a' = 'a  '): its values carry no trailing pad spaces, as MySQL returns them.
   */
  | { kind: 'text'; maxLength?: number; fixed?: boolean }
  | { kind: 'bytes'; maxLength?: number }
  | { kind: 'date' }
  /**
   * `precision`: the fractional-second digits the source column declares, 0–5; absent means 6 (or
   * not said), the most a canonical value carries. A destination may hold a value type of millisecond precision
   * exactly for columns of precision ≤ 3 (MongoDB's BSON date).
   */
  | { kind: 'time'; precision?: number }
  | { kind: 'timestamp'; precision?: number }
  | { kind: 'timestamptz'; precision?: number }
  | { kind: 'json' }
  | { kind: 'uuid' };

export type CanonicalKind = CanonicalType['kind'];

export const CANONICAL_KINDS: readonly CanonicalKind[] = [
  'int16', 'int32', 'int64', 'decimal', 'float32', 'float64', 'bool', 'text',
  'bytes', 'date', 'time', 'timestamp', 'timestamptz', 'json', 'uuid',
];

/** `decimal(10,2)`, `text(255)`, `int64`: for messages and docs. */
export function formatCanonicalType(t: CanonicalType): string {
  if (t.kind === 'decimal' && t.precision !== undefined) return `decimal(${t.precision},${t.scale ?? 0})`;
  if (t.kind === 'text' && t.fixed && t.maxLength !== undefined) return `char(${t.maxLength})`;
  if ((t.kind === 'text' || t.kind === 'bytes') && t.maxLength !== undefined) return `${t.kind}(${t.maxLength})`;
  return t.kind;
}

/** Drops trailing zeros of fractional seconds: "10:00:05.500000" → "10:00:05.5", ".000000" → "". */
/**
 * A blank-padded CHAR(n) value without its pad spaces: canonical fixed text carries none
 * (SQL compares 'a' = 'a  ', and MySQL returns CHAR values this way).
 */
export function trimPad(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 32) end--;
  return end === value.length ? value : value.slice(0, end);
}

export function trimFraction(value: string): string {
  const dot = value.indexOf('.');
  if (dot < 0) return value; // nothing to trim: the common case of whole seconds, without a regex
  let end = dot + 1;
  while (end < value.length && value.charCodeAt(end) >= 48 && value.charCodeAt(end) <= 57) end++;
  const next = value.charCodeAt(end); // NaN at the end
  const zone = next === 90 || ((next === 43 || next === 45) && value.charCodeAt(end + 1) >= 48 && value.charCodeAt(end + 1) <= 57); // Z, +d, -d
  if (end < value.length && !zone) return value;
  let keep = end;
  while (keep > dot + 1 && value.charCodeAt(keep - 1) === 48) keep--;
  if (keep === end) return value;
  return value.slice(0, keep === dot + 1 ? dot : keep) + value.slice(end);
}

/**
 * A date-time text (`2024-01-01T12:00:00.5+02:00`, `… Z`, or zone-less, read as UTC) as its UTC
 * wall clock `2024-01-01 10:00:00.5`, the fraction kept as written; null when it does not read so.
 */
export function utcWallClock(text: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text.trim());
  if (!m) return null;
  const [, date, time, fraction = '', zone = 'Z'] = m;
  if (/^(Z|[+-]00(:?00)?)$/i.test(zone)) return `${date} ${time}${fraction}`;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  const utc = new Date(Date.parse(`${date}T${time}Z`) - offsetMinutes * 60_000).toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 19)}${fraction}`;
}

/** Where a decimal column holds its digits: DECIMAL(precision, scale), or a significant-digit budget (DECFLOAT, NUMBER). */
export type DecimalRoom = { precision?: number; scale?: number; significant?: number };

/**
 * Why a canonical decimal's text would not be stored exactly in a column with `room` (SQL Server,
 * Oracle and DB2 round or truncate extra decimal places without an error), or null when it fits.
 * Trailing zeros after the point are not digits lost.
 */
export function decimalChange(text: string, room: DecimalRoom): string | null {
  const m = /^[-+]?(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text.trim());
  if (!m) return null;
  let int = m[1] ?? '';
  let frac = m[2] ?? '';
  const exp = Number(m[3] ?? 0);
  if (exp > 0) {
    int += frac.slice(0, exp).padEnd(exp, '0');
    frac = frac.slice(exp);
  } else if (exp < 0) {
    frac = int.slice(exp).padStart(-exp, '0') + frac;
    int = int.slice(0, Math.max(0, int.length + exp));
  }
  int = int.replace(/^0+/, '');
  frac = frac.replace(/0+$/, '');
  // A negative scale (Oracle NUMBER(p,-2)) rounds to tens or hundreds: not judged here.
  if (room.scale !== undefined && room.scale < 0) return null;
  if (room.scale !== undefined && frac.length > room.scale) {
    return `it has ${frac.length} decimal places and the column keeps ${room.scale}: it would be rounded`;
  }
  if (room.precision !== undefined && int.length > room.precision - (room.scale ?? 0)) {
    return `it has ${int.length} digits before the point and the column keeps ${room.precision - (room.scale ?? 0)}`;
  }
  const significant = (int + frac).replace(/^0+/, '').replace(/0+$/, '').length;
  if (room.significant !== undefined && significant > room.significant) {
    return `it has ${significant} significant digits and the column keeps ${room.significant}: it would be rounded`;
  }
  return null;
}

/** The largest value of each integer kind's column. */
const INTEGER_MAX: Partial<Record<CanonicalKind, bigint>> = { int16: 32767n, int32: 2147483647n, int64: 9223372036854775807n };

/**
 * A source generator's next value (`ColumnSchema.identityNext`) as the start of a created table's
 * identity / AUTO_INCREMENT, when it is above 1 and the column's integer kind holds it; else null.
 */
export function identityStartValue(next: string | undefined, kind: CanonicalKind): bigint | null {
  if (!next || !/^[1-9]\d{0,18}$/.test(next)) return null;
  const n = BigInt(next);
  return n > 1n && n <= (INTEGER_MAX[kind] ?? 0n) ? n : null;
}
