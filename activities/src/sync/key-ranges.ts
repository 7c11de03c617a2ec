import type { ConnectorSession, TableSchema } from '@sluice/connector-sdk';
import type { KeyRange } from '@sluice/workflows';

const INTEGER_KINDS = new Set(['int16', 'int32', 'int64']);

/**
 * Splits a large table's full copy into equal-width ranges of its integer
 * key, so that several lanes (on any workers) copy it at once. Tables with
 * a composite or non-integer key, small tables and incremental copies stay whole.
 */
export async function keyRanges(
  session: ConnectorSession,
  table: TableSchema,
  key: string[],
  options: { splitRows: number; maxRanges: number; incremental: boolean },
): Promise<KeyRange[] | null> {
  const column = table.columns.find((c) => c.name === key[0]);
  if (options.incremental || key.length !== 1 || !column || !INTEGER_KINDS.has(column.type.kind)) return null;
  if (!table.rowEstimate || table.rowEstimate < 2 * options.splitRows || options.maxRanges < 2) return null;
  const bounds = await session.keyBounds(table, column.name);
  if (!bounds) return null;
  const min = BigInt(String(bounds.min));
  const max = BigInt(String(bounds.max));
  const count = BigInt(Math.min(options.maxRanges, Math.ceil(table.rowEstimate / options.splitRows)));
  if (max - min < count) return null;
  const asKey = (v: bigint) => (column.type.kind === 'int64' ? v.toString() : Number(v));
  const cuts = Array.from({ length: Number(count) - 1 }, (_, i) => asKey(min + ((max - min) * BigInt(i + 1)) / count));
  return [null, ...cuts].map((after, i) => ({ after: after === null ? null : [after], until: i < cuts.length ? [cuts[i]] : null }));
}
