import type { TableRef, TableSchema } from '@sluice/connector-sdk';
import type { PreparedTable, SyncTableInput, SyncTableOptions } from '@sluice/workflows';
import type { ConnectionResolver } from '../connections';
import { unsupported, withSessions } from '../sessions';
import { canonicalCarry } from './canonical-carry';
import { stateForRun, streamOf } from './checkpoint';
import { saveTableDdl, tableName } from './table-ddl';
import { claimTable } from './table-lease';

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
    await claimTable(d, table.destination, input.runKey);

    if (table.createTable && !(await exists(d, table.destination))) {
      // An append into a table this run creates: its keys are built once after the load (finalize),
      // a sorted build instead of an index insert per row. Fenced checkpoints and disjoint key
      // ranges keep the rows unique meanwhile. Recorded first, so a retry builds them too.
      const deferrable = table.mode === 'append' && options.highPerformance;
      const native = options.nativeDdl && table.source.name === table.destination.name && d.applyDdl && src.session.exportDdl;
      if (native) {
        const ddl = await src.session.exportDdl!(table.source.schema, { tables: [table.source.name], flattenPartitions: options.flattenPartitions });
        const own = ddl.tables.find((t) => t.name === table.source.name);
        if (!own) throw unsupported('TABLE_NOT_FOUND', `Source table ${tableName(table.source)} does not exist`);
        const defer = deferrable && own.keys.length > 0;
        await saveTableDdl(d, table, {
          runKey: input.runKey,
          native: true,
          keys: defer ? own.keys : [],
          indexes: own.indexes,
          after: own.after,
          foreignKeys: own.foreignKeys,
          canonicalIndexes: [],
          canonicalForeignKeys: [],
          // The schema's own objects (routines, sequences) are the Job's `skipped`, once: not each table's.
          warnings: ddl.skipped.filter((x) => !x.schemaWide).map((x) => `${x.object} not carried: ${x.reason}`),
        });
        if (defer) {
          prepared.deferredKeys = true;
          await save();
        }
        await d.applyDdl!(table.destination.schema, own.create);
        if (!defer) await d.applyDdl!(table.destination.schema, own.keys);
        // A replace loads a LIKE copy of the table: it takes the indexes from here.
        if (table.mode === 'replace') await d.applyDdl!(table.destination.schema, own.indexes);
      } else {
        const [introspected] = (await src.session.introspect(table.source.schema, { tables: [table.source.name], includeViews: true })).filter(
          (t) => t.name === table.source.name,
        );
        if (!introspected) throw unsupported('TABLE_NOT_FOUND', `Source table ${tableName(table.source)} does not exist`);
        const { schema: sourceSchema, warnings: nullable } = zeroDatesNullable(introspected, options.zeroDates);
        const primaryKey = sourceSchema.primaryKey ?? [];
        const defer = deferrable && primaryKey.length > 0 && Boolean(d.addPrimaryKey);
        // Same engine without native DDL (MongoDB): createTable keeps the source's own storages, and the
        // page path (copyTextPath) carries the values as they are: nothing of theirs to warn about.
        const keepsValues =
          src.plugin.type === dst.plugin.type && !d.applyDdl && Boolean(src.session.readCopyText) &&
          table.mode !== 'replace' && options.highPerformance && !table.cursorColumn;
        const carried = canonicalCarry(sourceSchema, table, dst.plugin, d.types ?? dst.plugin.types, keepsValues);
        carried.warnings.push(...nullable);
        await saveTableDdl(d, table, { runKey: input.runKey, native: false, keys: [], indexes: [], after: [], foreignKeys: [], ...carried });
        if (defer) {
          prepared.deferredPrimaryKey = primaryKey;
          await save();
        }
        await d.createTable!(table.destination, defer ? { ...sourceSchema, primaryKey: [] } : sourceSchema);
      }
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

/**
 * Zero dates copied as NULL: the created table lets its NOT NULL date columns (outside the key)
 * be NULL, or the first zero date would fail its batch. Said once per column.
 */
function zeroDatesNullable(schema: TableSchema, zeroDates: SyncTableOptions['zeroDates']): { schema: TableSchema; warnings: string[] } {
  if (zeroDates !== 'null') return { schema, warnings: [] };
  const key = new Set(schema.primaryKey ?? []);
  const warnings: string[] = [];
  const columns = schema.columns.map((c) => {
    if (c.nullable || key.has(c.name) || !['date', 'timestamp', 'timestamptz'].includes(c.type.kind)) return c;
    warnings.push(`column ${c.name}: NOT NULL dropped, its zero dates are copied as NULL (--zero-dates null)`);
    return { ...c, nullable: true };
  });
  return { schema: { ...schema, columns }, warnings };
}
