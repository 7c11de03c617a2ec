import type { SyncTableInput } from '@sluice/workflows';

/**
 * A table's sync state, stored in the destination next to the rows it
 * describes and committed with each batch:
 * - `runKey`: the sync job that wrote it (a new job starts a new run);
 * - `after`: the key of the last committed row of this run (resume point);
 * - `floor`: incremental runs copy rows whose cursor column is above it;
 * - `max`: the highest cursor value committed in this run (the next run's floor);
 * - `rows`: rows committed in this run (exact: it commits with them);
 * - `done`: this run finished the table.
 */
export interface SyncState {
  runKey: string;
  after: unknown[] | null;
  floor: unknown;
  max: unknown;
  rows: number;
  done: boolean;
}

/**
 * The state stream of a table: one per source table (several sources may
 * feed one destination table), and one per key range when it is split.
 */
export function streamOf(input: SyncTableInput, range?: { index: number } | null): string {
  const stream = `${input.table.source.schema}.${input.table.source.name}`;
  return range ? `${stream}#${range.index}` : stream;
}

/** Every stream a table's run writes: its ranges, or the table itself. */
export function streamsOf(input: SyncTableInput): string[] {
  return input.table.ranges ? input.table.ranges.map((_r, index) => streamOf(input, { index })) : [streamOf(input)];
}

/**
 * The state a run continues from: the stored one when it belongs to this
 * run; else a fresh run whose floor is the last run's committed max
 * (incremental) or nothing (full copy, or --full-refresh).
 */
export function stateForRun(stored: string | null, input: SyncTableInput): SyncState {
  const previous = stored ? (JSON.parse(stored) as SyncState) : null;
  if (previous && previous.runKey === input.runKey) return previous;
  const incremental = !!input.table.cursorColumn && !input.options.fullRefresh && input.table.mode !== 'replace';
  const floor = incremental && previous ? (previous.done ? previous.max : previous.floor) : null;
  return { runKey: input.runKey, after: null, floor, max: floor, rows: 0, done: false };
}

/** Orders canonical cursor values: numbers, int64/decimal digit strings, ISO dates and timestamps. */
export function compareCursor(a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  if (/^-?\d+(\.\d+)?$/.test(sa) && /^-?\d+(\.\d+)?$/.test(sb)) return compareDecimalStrings(sa, sb);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function compareDecimalStrings(a: string, b: string): number {
  const na = a.startsWith('-');
  const nb = b.startsWith('-');
  if (na !== nb) return na ? -1 : 1;
  const sign = na ? -1 : 1;
  const [ia, fa = ''] = a.replace('-', '').split('.');
  const [ib, fb = ''] = b.replace('-', '').split('.');
  const ta = ia!.replace(/^0+(?=\d)/, '');
  const tb = ib!.replace(/^0+(?=\d)/, '');
  if (ta.length !== tb.length) return sign * (ta.length - tb.length);
  if (ta !== tb) return sign * (ta < tb ? -1 : 1);
  const len = Math.max(fa.length, fb.length);
  const pa = fa.padEnd(len, '0');
  const pb = fb.padEnd(len, '0');
  return pa === pb ? 0 : sign * (pa < pb ? -1 : 1);
}
