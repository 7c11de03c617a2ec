import type { ConnectorSession, TableSchema } from '@sluice/connector-sdk';
import type { KeyRange } from '@sluice/workflows';

const INTEGER_KINDS = new Set(['int16', 'int32', 'int64']);

/**
 * Splits a large table's full copy into equal-width ranges of its integer
 * key, so that several lanes (on any workers) copy it at once: one per
 * `splitRows` rows or `splitBytes` bytes (the engine's estimates), whichever
 * makes more, up to `maxRanges`. Tables with a composite or non-integer key,
 * small tables and incremental copies stay whole.
 */
export async function keyRanges(
  session: ConnectorSession,
  table: TableSchema,
  key: string[],
  options: { splitRows: number; splitBytes: number; maxRanges: number; incremental: boolean },
): Promise<KeyRange[] | null> {
  const column = table.columns.find((c) => c.name === key[0]);
  if (options.incremental || key.length !== 1 || !column || !INTEGER_KINDS.has(column.type.kind)) return null;
  if (!table.rowEstimate || options.maxRanges < 2) return null;
  // A lane per splitRows (from 2× splitRows), or per splitBytes (from 2× splitBytes) for wide rows.
  const lanesFor = (amount: number, per: number) => (amount >= 2 * per ? Math.ceil(amount / per) : 1);
  let lanes = lanesFor(table.rowEstimate, options.splitRows);
  if (lanes < options.maxRanges && session.tableBytes) lanes = Math.max(lanes, lanesFor((await session.tableBytes(table)) ?? 0, options.splitBytes));
  if (lanes < 2) return null;
  const bounds = await session.keyBounds(table, column.name);
  if (!bounds) return null;
  const min = BigInt(String(bounds.min));
  const max = BigInt(String(bounds.max));
  const count = BigInt(Math.min(options.maxRanges, lanes));
  if (max - min < count) return null;
  const asKey = (v: bigint) => (column.type.kind === 'int64' ? v.toString() : Number(v));
  const cuts = Array.from({ length: Number(count) - 1 }, (_, i) => asKey(min + ((max - min) * BigInt(i + 1)) / count));
  return [null, ...cuts].map((after, i) => ({ after: after === null ? null : [after], until: i < cuts.length ? [cuts[i]] : null }));
}
