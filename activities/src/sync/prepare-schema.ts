import type { SyncPlan, SyncInput } from '@sluice/workflows';
import type { ConnectionResolver } from '../connections';
import { withSessions } from '../sessions';

export interface PrepareSchemaInput {
  source: SyncInput['source'];
  destination: SyncInput['destination'];
  plan: SyncPlan;
  runKey: string;
}

/**
 * Before any table of a job that creates tables: the destination schemas when missing
 * (`--create-tables --destination-schema new_one`), and for a same-engine copy the types,
 * sequences and functions the created tables need, once for the job (tables are prepared
 * side by side and would race to create the same enum).
 */
export async function prepareSchema(connections: ConnectionResolver, input: PrepareSchemaInput): Promise<void> {
  const created = input.plan.tables.filter((t) => t.createTable);
  if (!created.length) return;
  await withSessions(connections, [input.source, input.destination], async (src, dst) => {
    const d = dst.session;
    for (const schema of new Set(created.map((t) => t.destination.schema))) await d.createSchema?.(schema);
    if (!input.plan.options.nativeDdl || !src.session.exportDdl || !d.applyDdl) return;
    // Grouped by source schema and destination schema (one job maps one onto the other).
    const groups = new Map<string, { from: string; to: string; tables: string[] }>();
    for (const t of created) {
      const key = `${t.source.schema}\u0000${t.destination.schema}`;
      const group = groups.get(key) ?? { from: t.source.schema, to: t.destination.schema, tables: [] };
      group.tables.push(t.source.name);
      groups.set(key, group);
    }
    for (const group of groups.values()) {
      const ddl = await src.session.exportDdl(group.from, { tables: group.tables });
      await d.applyDdl(group.to, ddl.prerequisites);
    }
  });
}
