import type { FinishSchemaResult, SchemaObjectOutcome, SyncInput, SyncPlan, TablePlan } from '@sluice/workflows';
import type { ConnectionResolver } from '../connections';
import { withSessions } from '../sessions';
import { clearTableDdl, loadTableDdl, tableName } from './table-ddl';

export interface FinishSchemaInput {
  source: SyncInput['source'];
  destination: SyncInput['destination'];
  plan: SyncPlan;
  runKey: string;
  /** The job's whole source schema (`--schema`): its views are reported too. */
  schema?: string;
}

const errorText = (err: unknown) => (err as Error)?.message ?? String(err);

/**
 * Once every table of the job is in: the foreign keys of the tables the job created (those whose
 * referenced table is in the job too), then the source's views whose tables are all in the job
 * (same engine). A foreign key the rows violate, a view over a table outside the job, anything the
 * destination cannot build: reported per object, with why, never dropped silently.
 */
export async function finishSchema(connections: ConnectionResolver, input: FinishSchemaInput): Promise<FinishSchemaResult> {
  const created: string[] = [];
  const skipped: SchemaObjectOutcome[] = [];
  const tables = input.plan.tables;
  const bySource = new Map(tables.map((t) => [tableName(t.source), t]));
  await withSessions(connections, [input.source, input.destination], async (src, dst) => {
    const d = dst.session;
    const apply = async (object: string, table: string, run: () => Promise<void>) => {
      try {
        await run();
        created.push(object);
      } catch (err) {
        skipped.push({ object, table, reason: `the destination refused it: ${errorText(err)}` });
      }
    };
    for (const t of tables.filter((x) => x.createTable)) {
      const ddl = await loadTableDdl(d, t, input.runKey);
      if (!ddl) continue;
      const label = tableName(t.destination);
      const outside = (schema: string, name: string) => {
        const referenced = bySource.get(`${schema}.${name}`);
        return referenced ? null : `it references ${schema}.${name}, which is not in this job`;
      };
      for (const fk of ddl.native ? ddl.foreignKeys : []) {
        // Named on the destination table (an export may name it on the source's already).
        const own = ` on ${t.source.name}`;
        const object = `${fk.object.endsWith(own) ? fk.object.slice(0, -own.length) : fk.object} on ${label}`;
        const why = outside(fk.referencedSchema, fk.referencedTable)
          ?? (fk.referencedSchema !== t.source.schema || bySource.get(`${fk.referencedSchema}.${fk.referencedTable}`)!.destination.schema !== t.destination.schema
            ? 'it references a table of another schema' : null);
        if (why) skipped.push({ object, table: label, reason: why });
        else await apply(object, label, () => d.applyDdl!(t.destination.schema, [fk]));
      }
      for (const fk of ddl.native ? [] : ddl.canonicalForeignKeys) {
        const object = `foreign key ${fk.name} on ${label}`;
        const referenced = bySource.get(`${fk.referencedSchema}.${fk.referencedTable}`);
        const why = outside(fk.referencedSchema, fk.referencedTable)
          ?? (d.restoreForeignKeys ? null : `${dst.plugin.type} has no foreign keys (FOREIGN_KEY_MANAGEMENT)`);
        if (why) skipped.push({ object, table: label, reason: why });
        else {
          const mapped = { ...fk, referencedSchema: referenced!.destination.schema, referencedTable: referenced!.destination.name };
          await apply(object, label, () => d.restoreForeignKeys!(t.destination, [mapped]));
        }
      }
    }
    await finishViews(input, src.session, d, tables, created, skipped, apply);
    for (const t of tables.filter((x) => x.createTable)) await clearTableDdl(d, t);
  }, { last: true });
  return { created, skipped };
}

async function finishViews(
  input: FinishSchemaInput,
  source: import('@sluice/connector-sdk').ConnectorSession,
  d: import('@sluice/connector-sdk').ConnectorSession,
  tables: TablePlan[],
  created: string[],
  skipped: SchemaObjectOutcome[],
  apply: (object: string, table: string, run: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const schemas = new Set(input.schema ? [input.schema] : tables.map((t) => t.source.schema));
  for (const schema of schemas) {
    const inJob = tables.filter((t) => t.source.schema === schema);
    const destination = inJob[0]?.destination.schema;
    const native = input.plan.options.nativeDdl && source.exportDdl && d.applyDdl && destination && inJob.every((t) => t.source.name === t.destination.name);
    if (!native) {
      // Across engines: what only a same-engine copy carries is listed, so nothing is dropped silently.
      const created = inJob.filter((t) => t.createTable).map((t) => t.source.name);
      if (source.exportDdl && (created.length || input.schema)) {
        const ddl = await source.exportDdl(schema, { tables: created, includeViews: !!input.schema });
        const sameEngineOnly = 'triggers and CHECK constraints are carried between servers of the same engine only';
        // The schema's own objects (a routine this user cannot see, sequences) of a whole-schema job: listed once.
        if (input.schema) for (const s of ddl.skipped.filter((x) => x.schemaWide)) skipped.push({ object: s.object, reason: s.reason });
        for (const t of ddl.tables) {
          const label = `${schema}.${t.name}`;
          const objects = [...t.create, ...t.after].map((x) => x.object).filter((o) => /^(trigger|check) /i.test(o) && !o.includes('('));
          for (const object of new Set(objects)) {
            skipped.push({ object: `${object.replace(/ on \S+$/, '')} on ${label}`, table: label, reason: sameEngineOnly });
          }
          if (t.create.some((c) => /\bPARTITION\s+BY\b/i.test(c.sql))) {
            skipped.push({ object: `partitioning of ${label}`, table: label, reason: 'carried between servers of the same engine only: its rows are in one table' });
          }
          // A partition's own indexes and foreign keys: its rows are in the one table, which has none of them.
          for (const x of [...t.indexes, ...t.foreignKeys]) {
            const m = /^(.*) \(partition ([^)]+)\)$/.exec(x.object); // not its `(validate)` step
            if (m) skipped.push({ object: `${m[1]} on partition ${schema}.${m[2]}`, table: label, reason: 'a partition\'s own: carried between servers of the same engine only (its rows are in one table)' });
          }
        }
        // Triggers the export could not carry even to its own engine are not carried here either.
        for (const s of ddl.skipped.filter((x) => /^trigger /.test(x.object))) {
          const m = /^(trigger \S+) on (\S+)$/.exec(s.object);
          skipped.push({ object: m ? `${m[1]} on ${schema}.${m[2]}` : s.object, table: m ? `${schema}.${m[2]}` : undefined, reason: sameEngineOnly });
        }
        for (const f of ddl.types ?? []) {
          if (/^(type|domain) /.test(f.object)) skipped.push({ object: f.object.replace(/^(\S+) /, `$1 ${schema}.`), reason: 'types are created between servers of the same engine only (a column of one gets its mapping)' });
        }
        for (const f of ddl.functions ?? []) {
          skipped.push({ object: `${f.object.replace(/^(\S+) /, `$1 ${schema}.`)}`, reason: 'functions, procedures and aggregates are recreated between servers of the same engine only' });
        }
      }
      if (!input.schema) continue;
      const views = (await source.introspect(schema, { includeViews: true })).filter((t) => t.kind === 'view');
      for (const v of views) {
        skipped.push({ object: `view ${schema}.${v.name}`, table: `${schema}.${v.name}`, reason: 'views are recreated between servers of the same engine only (its rows are not copied either)' });
      }
      continue;
    }
    const ddl = await source.exportDdl!(schema, { tables: [], includeViews: true });
    // The schema's types no table uses (the tables brought the others).
    for (const type of input.schema ? ddl.types ?? [] : []) await apply(type.object, `${schema}`, () => d.applyDdl!(destination!, [type]));
    const present = new Set(inJob.map((t) => t.source.name));
    // A whole schema's functions, procedures and aggregates first: views call them (`f()` in a view's dependsOn).
    for (const view of [...(input.schema ? ddl.functions ?? [] : []), ...ddl.views]) {
      const label = `${schema}.${view.name}`;
      const missing = view.dependsOn.filter((n) => !present.has(n));
      const isView = /^(materialized )?view /.test(view.object);
      if (view.external.length) {
        skipped.push({ object: view.object, table: label, reason: `it reads ${view.external.join(', ')}, outside the schema` });
      } else if (missing.length) {
        skipped.push({ object: view.object, table: label, reason: `${isView ? 'it reads' : 'its signature uses the row type of'} ${missing.join(', ')}, not in this job` });
      } else {
        await apply(view.object, label, () => d.applyDdl!(destination!, [view]));
        present.add(view.name); // a view over this view may follow (dependency order)
        if (!isView) present.add(`${view.name}()`); // a view calling this routine (MySQL's dependsOn spelling)
      }
    }
    for (const s of ddl.skipped) skipped.push({ object: s.object, reason: s.reason });
  }
}
