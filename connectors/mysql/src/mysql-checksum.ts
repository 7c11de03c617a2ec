import { ConnectorError, TestCode, type CanonicalType, type TableRef } from '@sluice/connector-sdk';
import { tableColumns } from './mysql-introspect';
import { selectExpr } from './mysql-read';
import type { MysqlContext } from './mysql-session';
import type { MysqlFlavour } from './mysql-types';

/**
 * One column's part of a row's checksum: the value as hex (never a 0x1E or 0x1F byte, so the NULL
 * mark and the separator stay unambiguous). Strings, bytes and spatial values are their stored bytes;
 * numbers, decimals and temporals their text as the server prints it for the column's type (the
 * session is UTC: a TIMESTAMP prints the same on every server); FLOAT through DOUBLE, which prints
 * every digit; a MariaDB JSON column (LONGTEXT) compacted, as a copy writes it compact.
 */
export function checksumTerm(flavour: MysqlFlavour, quoted: string, type: CanonicalType, nativeType: string): string {
  let value: string;
  switch (type.kind) {
    case 'text':
    case 'bytes':
    case 'uuid':
      value = selectExpr(flavour, quoted, type, nativeType);
      break;
    case 'json':
      value = flavour.mariadb ? `JSON_COMPACT(${quoted})` : `CAST(${quoted} AS CHAR)`;
      break;
    default:
      value = `CAST(${selectExpr(flavour, quoted, type, nativeType)} AS CHAR)`;
  }
  return `IFNULL(HEX(${value}), 0x1E)`;
}

/**
 * `SELECT COUNT(*), SUM(…)`: each row's hex terms joined by 0x1F, MD5'd, its first 60 bits as an
 * unsigned integer, summed (an exact DECIMAL: order-independent, a repeated row counts twice).
 */
export function checksumSql(table: string, terms: string[]): string {
  const row = terms.length ? `CONCAT_WS(0x1F, ${terms.join(', ')})` : `''`;
  return `SELECT COUNT(*), CAST(COALESCE(SUM(CAST(CONV(SUBSTRING(MD5(${row}), 1, 15), 16, 10) AS UNSIGNED)), 0) AS CHAR) FROM ${table}`;
}

/** An order-independent checksum of `columns` over the table's rows, computed by the server. */
export async function checksumTable(ctx: MysqlContext, table: TableRef, columns: string[]): Promise<{ rows: number; checksum: string }> {
  const all = await tableColumns(ctx, table);
  if (!all.length) throw fail(`table ${table.schema}.${table.name} does not exist (or is not visible to this user)`);
  const byName = new Map(all.map((c) => [c.name, c]));
  const missing = columns.filter((c) => !byName.has(c));
  if (missing.length) throw fail(`${table.schema}.${table.name} has no column(s) ${missing.join(', ')}`);
  const terms = columns.map((name) => {
    const c = byName.get(name)!;
    return checksumTerm(ctx.flavour, ctx.quoteIdent(name), c.type, c.nativeType);
  });
  const sql = checksumSql(ctx.table(table), terms);
  const [row] = await ctx.withConnection(async (c) => (await c.query({ sql, rowsAsArray: true }))[0] as unknown[][]);
  return { rows: Number(row![0]), checksum: String(row![1]) };
}

function fail(message: string): ConnectorError {
  return new ConnectorError(TestCode.DRIVER_ERROR, message, false);
}
