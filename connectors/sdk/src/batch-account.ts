import { ConnectorError } from './errors';
import { TestCode } from './messages';

/**
 * Every write path proves its batch: the rows a statement says it took must be
 * the rows it was sent. A short (or long) count means the destination dropped,
 * merged or added rows (an INSTEAD OF or BEFORE trigger, a rule, a policy, a
 * collation that folds two keys into one): the batch fails, named, and its
 * transaction rolls back, so a job can never complete with fewer rows than it read.
 */
export function batchNotTaken(o: { what: string; table: string; took: number; sent: number; detail?: string }): ConnectorError {
  return new ConnectorError(
    TestCode.DRIVER_ERROR,
    `${o.what} into ${o.table} took ${o.took} of ${o.sent} rows${o.detail ? `; ${o.detail}` : ''}: the batch is rolled back ` +
      '(a trigger, rule or policy of the table, or a key the destination folds, may drop or add rows)',
    false,
  );
}

/** Throws `batchNotTaken` unless `took === sent`. */
export function expectBatchTaken(what: string, table: string, took: number, sent: number): void {
  if (took !== sent) throw batchNotTaken({ what, table, took, sent });
}

/**
 * An upsert batch with one row per key, the last occurrence winning (what
 * applying the rows in order would leave). MERGE / ON CONFLICT refuse to touch
 * one target row twice in a statement.
 */
export function dedupeByKey(rows: unknown[][], keyIdx: number[]): unknown[][] {
  const byKey = new Map<string, unknown[]>();
  for (const row of rows) {
    // A key's values as text: a number and its decimal text are one key (drivers hand either), bytes stay bytes.
    const key = JSON.stringify(keyIdx.map((i) => {
      const v = row[i];
      if (Buffer.isBuffer(v)) return { hex: v.toString('hex') };
      return typeof v === 'number' || typeof v === 'bigint' ? String(v) : v ?? null;
    }));
    byKey.delete(key);
    byKey.set(key, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}
