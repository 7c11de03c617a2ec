import { randomBytes } from 'node:crypto';
import { utcWallClock, type CanonicalKind, type CanonicalType } from '../canonical-types';

/**
 * Values of every canonical type that each engine must store and return
 * exactly: extremes, NULLs, unicode (4-byte too), binary with zero bytes.
 * Ranges are those every engine shares (MySQL TIMESTAMP: 1970–2038; DATETIME from year 1000).
 */
export const ROUND_TRIP_COLUMNS: { name: string; type: CanonicalType; values: unknown[] }[] = [
  { name: 'c_int16', type: { kind: 'int16' }, values: [-32768, 32767, 0] },
  { name: 'c_int32', type: { kind: 'int32' }, values: [-2147483648, 2147483647, 7] },
  { name: 'c_int64', type: { kind: 'int64' }, values: ['-9223372036854775808', '9223372036854775807', '9007199254740993'] },
  {
    name: 'c_decimal',
    type: { kind: 'decimal', precision: 30, scale: 10 },
    values: ['-12345678901234567890.1234567890', '0.0000000001', '42.5000000000'],
  },
  { name: 'c_float32', type: { kind: 'float32' }, values: [3.4028234663852886e38, -1.5, 1.1754943508222875e-38] },
  { name: 'c_float64', type: { kind: 'float64' }, values: [1.7976931348623157e308, -2.2250738585072014e-308, 0.1] },
  { name: 'c_bool', type: { kind: 'bool' }, values: [true, false] },
  {
    name: 'c_text',
    type: { kind: 'text' },
    values: ['Zürich ✓ 日本語 🚀', 'tab\there\nnew line\r\nback\\slash \\N', `quotes ' " \` ; -- /* */`, '', 'x'.repeat(70_000)],
  },
  { name: 'c_text40', type: { kind: 'text', maxLength: 40 }, values: ['short', 'ünïcødé 🚀 forty chars max ok'] },
  // CHAR(20): blank-padded by the server, read back without the pad (leading spaces are data).
  { name: 'c_char20', type: { kind: 'text', maxLength: 20, fixed: true }, values: ['English', '  lead', 'ünï 🚀'] },
  {
    name: 'c_bytes',
    type: { kind: 'bytes' },
    values: [Buffer.from([0, 1, 2, 9, 10, 13, 92, 255, 0]), Buffer.alloc(0), randomBytes(65_536)],
  },
  { name: 'c_date', type: { kind: 'date' }, values: ['1000-01-01', '9999-12-31', '2024-02-29'] },
  { name: 'c_time', type: { kind: 'time' }, values: ['00:00:00', '23:59:59.999999', '12:34:56.5'] },
  {
    name: 'c_timestamp',
    type: { kind: 'timestamp' },
    values: ['1000-01-01 00:00:00', '9999-12-31 23:59:59.999999', '2024-02-29 12:00:00.123456'],
  },
  {
    name: 'c_timestamptz',
    type: { kind: 'timestamptz' },
    values: ['1970-01-01T00:00:01Z', '2038-01-19T03:14:07.999999Z', '2024-02-29T12:00:00.5Z'],
  },
  {
    name: 'c_json',
    type: { kind: 'json' },
    values: [{ a: 1, b: [true, null, 'x'], c: { d: 'ü 🚀' } }, [], { quote: `'"\\` }],
  },
  {
    name: 'c_uuid',
    type: { kind: 'uuid' },
    values: ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '3f2504e0-4f89-41d3-9a0c-0305e82c3301'],
  },
];

/** Rows `[id, ...one value per column]`: row i takes value i mod n of each column, the last row all NULLs. */
export function roundTripRows(count: number): unknown[][] {
  const rows: unknown[][] = [];
  for (let i = 0; i < count - 1; i++) {
    rows.push([i + 1, ...ROUND_TRIP_COLUMNS.map((c) => c.values[i % c.values.length])]);
  }
  rows.push([count, ...ROUND_TRIP_COLUMNS.map(() => null)]);
  return rows;
}

/** A value in the form two engines' exact copies must agree on. */
export function comparable(kind: CanonicalKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'decimal':
      return normalizeDecimal(String(value));
    case 'float32':
      return Math.fround(Number(value));
    case 'bytes':
      return Buffer.isBuffer(value) ? value.toString('hex') : value;
    case 'json':
      return sortKeys(value);
    case 'timestamptz':
      return utcWallClock(String(value)) ?? value;
    case 'timestamp':
      // A zone-less column may hold a copied instant as its UTC wall clock (MySQL DATETIME): compared so.
      return String(value).replace('T', ' ');
    default:
      return value;
  }
}

/** "-012.3400" → "-12.34", "0.000" → "0". */
export function normalizeDecimal(text: string): string {
  let [int, frac = ''] = text.trim().split('.');
  const negative = int!.startsWith('-');
  int = int!.replace(/^[-+]/, '').replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const out = frac ? `${int}.${frac}` : int;
  return negative && out !== '0' ? `-${out}` : out;
}

/** JSON with object keys in one order: engines store objects with their own key order (jsonb sorts them). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}
