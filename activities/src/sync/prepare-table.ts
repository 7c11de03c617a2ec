import type { TableRef } from '@sluice/connector-sdk';
import type { PreparedTable, SyncTableInput } from '@sluice/workflows';
import type { ConnectionResolver } from '../connections';
import { withSessions } from '../sessions';
import { stateForRun, streamOf } from './checkpoint';

/** Name of the staging table a replace loads into before the swap. */
export const stagingOf = (t: TableRef, runKey: string): TableRef => ({
  schema: t.schema,
  name: `_sluice_stg_${t.name}`.slice(0, 40) + `_${hash(runKey)}`,
});

/**
 * Readies the destination: creates the table (from the source's canonical
 * schema) or the replace staging table, disables what the options ask, and
 * records a fresh run state unless this run already has one (a retry).
 */
export async function prepareTable(connections: ConnectionResolver, input: SyncTableInput): Promise<PreparedTable> {
  return withSessions(connections, [input.source, input.destination], async (src, dst) => {
    const { table, options } = input;
    const d = dst.session;
    const target: TableRef = table.mode === 'replace' ? stagingOf(table.destination, input.runKey) : table.destination;
    const stream = streamOf(input);
    // What was disabled is recorded in the destination (before each step that needs undoing, or
    // right after it), so a retried prepare (worker lost mid-way) finds it instead of losing it.
    const record = `${stream}#prepared`;
    const saved = await d.readCheckpoint(target, record);
    const previous = saved ? (JSON.parse(saved) as { runKey: string; prepared: PreparedTable }) : null;
    const prepared: PreparedTable =
      previous?.runKey === input.runKey ? previous.prepared : { target, droppedIndexes: [], droppedForeignKeys: [], triggersDisabled: false };
    const save = () => d.writeCheckpoint(target, record, JSON.stringify({ runKey: input.runKey, prepared }));

    if (table.createTable && !(await exists(d, table.destination))) {
      const [sourceSchema] = (await src.session.introspect(table.source.schema, { tables: [table.source.name], includeViews: true })).filter(
        (t) => t.name === table.source.name,
      );
      // An append into a table this run creates: its primary key is built once after the load
      // (finalize), a sorted build instead of an index insert per row. Fenced checkpoints and
      // disjoint key ranges keep the rows unique meanwhile. Recorded first, so a retry adds it too.
      const primaryKey = sourceSchema!.primaryKey ?? [];
      const defer = table.mode === 'append' && options.highPerformance && primaryKey.length > 0 && Boolean(d.addPrimaryKey);
      if (defer) {
        prepared.deferredPrimaryKey = primaryKey;
        await save();
      }
      await d.createTable!(table.destination, defer ? { ...sourceSchema!, primaryKey: [] } : sourceSchema!);
    }
    if (table.mode === 'replace' && !(await exists(d, target))) await d.createTableLike!(table.destination, target);
    const stored = await d.readCheckpoint(target, stream);
    const state = stateForRun(stored, input);
    if (!stored || JSON.parse(stored).runKey !== input.runKey) await d.writeCheckpoint(target, stream, JSON.stringify(state));

    if (options.disableTriggers && !prepared.triggersDisabled) {
      await d.setTriggersEnabled!(target, false);
      prepared.triggersDisabled = true;
      await save();
    }
    if (options.disableForeignKeys && !prepared.droppedForeignKeys.length) {
      prepared.droppedForeignKeys = await d.dropForeignKeys!(target);
      await save();
    }
    if (options.rebuildIndexes && !prepared.droppedIndexes.length) {
      prepared.droppedIndexes = await d.dropIndexes!(target);
      await save();
    }
    return prepared;
  });
}

async function exists(session: { introspect: (s: string, o?: { tables?: string[] }) => Promise<TableRef[]> }, t: TableRef) {
  return (await session.introspect(t.schema, { tables: [t.name] })).some((x) => x.name === t.name);
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}
