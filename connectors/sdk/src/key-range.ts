import { ConnectorError } from './errors';
import { TestCode } from './messages';

/** Rows after `after` (exclusive) up to `until` (inclusive) in the order of `key`, as a read's range binds them; null: open. */
export interface KeyRange {
  key: string[];
  after: unknown[] | null;
  until: unknown[] | null;
}

/** `range` when it bounds anything, each bound checked to hold one value per key column; null for a whole table. */
export function boundedRange(range: KeyRange | undefined): KeyRange | null {
  if (!range || (!range.after && !range.until)) return null;
  for (const [values, what] of [[range.after, 'Range start'], [range.until, 'Range end']] as const) {
    if (values && values.length !== range.key.length) {
      throw new ConnectorError(TestCode.DRIVER_ERROR, `${what} has ${values.length} values for key (${range.key.join(', ')})`, false);
    }
  }
  return range;
}

/** The columns named `names`, in that order, from a table's `columns`; a missing one fails naming it and the table. */
export function pickColumns<T extends { name: string }>(columns: T[], names: string[], table: { schema: string; name: string }): T[] {
  return names.map((n) => {
    const c = columns.find((x) => x.name === n);
    if (!c) throw new ConnectorError(TestCode.DRIVER_ERROR, `column ${n} does not exist in ${table.schema}.${table.name}`, false);
    return c;
  });
}
