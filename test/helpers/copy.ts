import { createHash } from 'node:crypto';
import type { ConnectorSession, TableRef, TableSchema } from '@sluice/connector-sdk';
import { comparable } from '@sluice/connector-sdk/dist/testkit';

/** Copies a table between two sessions through the connectors alone: keyset read → bulk write. */
export async function copyTable(
  source: ConnectorSession,
  from: TableSchema,
  destination: ConnectorSession,
  to: TableRef,
  batchSize = 500,
): Promise<number> {
  const columns = from.columns.map((c) => c.name);
  const writer = await destination.openWriter(to, { columns, mode: 'append', highPerformance: true });
  let copied = 0;
  try {
    for await (const batch of source.read(from, { key: from.primaryKey!, columns, batchSize })) copied += await writer.write(batch.rows);
  } finally {
    await writer.close();
  }
  return copied;
}

/** A checksum of a table's rows, in key order, in the form exact copies agree on. */
export async function tableChecksum(session: ConnectorSession, table: TableSchema): Promise<{ rows: number; sha256: string }> {
  const hash = createHash('sha256');
  let rows = 0;
  const kinds = table.columns.map((c) => c.type.kind);
  for await (const batch of session.read(table, { key: table.primaryKey!, batchSize: 1000 })) {
    for (const row of batch.rows) {
      hash.update(JSON.stringify(row.map((v, i) => comparable(kinds[i]!, v))) + '\n');
      rows++;
    }
  }
  return { rows, sha256: hash.digest('hex') };
}
