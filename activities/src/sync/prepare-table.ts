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
    if (table.createTable && !(await exists(d, table.destination))) {
      const [sourceSchema] = (await src.session.introspect(table.source.schema, { tables: [table.source.name], includeViews: true })).filter(
        (t) => t.name === table.source.name,
      );
      await d.createTable!(table.destination, sourceSchema!);
    }
    let target: TableRef = table.destination;
    if (table.mode === 'replace') {
      target = stagingOf(table.destination, input.runKey);
      if (!(await exists(d, target))) await d.createTableLike!(table.destination, target);
    }
    const stream = streamOf(input);
    const stored = await d.readCheckpoint(target, stream);
    const state = stateForRun(stored, input);
    if (!stored || JSON.parse(stored).runKey !== input.runKey) await d.writeCheckpoint(target, stream, JSON.stringify(state));

    // What was disabled is recorded in the destination after each step, so a retried
    // prepare (worker lost mid-way) finds it instead of dropping nothing and losing it.
    const record = `${stream}#prepared`;
    const saved = await d.readCheckpoint(target, record);
    const previous = saved ? (JSON.parse(saved) as { runKey: string; prepared: PreparedTable }) : null;
    const prepared: PreparedTable =
      previous?.runKey === input.runKey ? previous.prepared : { target, droppedIndexes: [], droppedForeignKeys: [], triggersDisabled: false };
    const save = () => d.writeCheckpoint(target, record, JSON.stringify({ runKey: input.runKey, prepared }));
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
