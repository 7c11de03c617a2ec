import type { DdlStatement, NativeSchemaDdl, NativeTableDdl, NativeViewDdl, SkippedObject, ExportDdlOptions } from '@sluice/connector-sdk';
import type { PgContext } from './postgres-session';
import * as catalog from './postgres-export-catalog';
import { EXTENSIONS, extensionStatements } from './postgres-export-extensions';

/*
 * exportDdl: the server's own definitions of some tables of a schema (and
 * with includeViews its views), as statements for applyDdl on another
 * PostgreSQL session. Names of the schema's own objects come out unqualified
 * (postgres-export-catalog.ts), so they land in whatever schema applyDdl runs
 * them in. Phases as the SDK's NativeTableDdl describes them; what is seen and
 * not carried is listed in `skipped` with the reason.
 */

type Row = Record<string, any>;
const stmt = (object: string, sql: string): DdlStatement => ({ object, sql });
/** A string constant, whatever the destination's standard_conforming_strings (E'' when it has a backslash). */
const literal = (s: string) =>
  s.includes('\\') ? `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'` : `'${s.replace(/'/g, "''")}'`;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const ENABLED: Record<string, string> = { D: 'DISABLE TRIGGER', R: 'ENABLE REPLICA TRIGGER', A: 'ENABLE ALWAYS TRIGGER' };

export async function exportSchemaDdl(
  ctx: PgContext,
  schema: string,
  options: ExportDdlOptions,
): Promise<NativeSchemaDdl> {
  const q = (n: string) => ctx.quoteIdent(n);
  return ctx.transaction(async (client) => {
    await catalog.beginExport(client, schema);
    const run = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows as Row[];
    const serverVersion = (await run(`SELECT current_setting('server_version') AS v`, []))[0]!.v as string;
    const rels = await run(catalog.RELATIONS, [schema, options.tables]);
    const oids = rels.map((r) => r.oid);
    const columns = await run(catalog.COLUMNS, [oids]);
    const constraints = await run(catalog.CONSTRAINTS, [oids]);
    const indexes = await run(catalog.INDEXES, [oids]);
    const triggers = await run(catalog.TRIGGERS, [oids]);
    const functions = await run(catalog.FUNCTIONS, [oids, [...new Set(triggers.filter((t) => t.fn_schema === schema).map((t) => t.fn))], schema]);
    const types = await run(catalog.TYPES, [oids]);
    const sequences = await run(catalog.SEQUENCES, [oids]);
    const views = options.includeViews ? await run(catalog.VIEWS, [schema]) : [];
    const extensions = await run(EXTENSIONS, [oids]);
    const carriedExtensions = new Set(extensions.map((e) => e.name as string));
    const routines = options.includeViews ? await run(catalog.ROUTINES, [schema]) : [];
    const schemaTypes = options.includeViews ? await run(catalog.SCHEMA_TYPES, [schema]) : [];

    const skipped: SkippedObject[] = [];
    const prerequisites = [
      ...extensionStatements(extensions as { name: string; schema: string }[], schema, q),
      ...typeStatements(types, schema, q, skipped, carriedExtensions),
      ...sequenceStatements(sequences, schema, q, skipped),
    ];
    const carriedFunctions = functionStatements(functions, schema, skipped);
    prerequisites.push(...carriedFunctions.values());

    const byOid = <T extends Row>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const r of rows) map.set(r.oid, [...(map.get(r.oid) ?? []), r]);
      return map;
    };
    const columnsOf = byOid(columns);
    const constraintsOf = byOid(constraints);
    const indexesOf = byOid(indexes);
    const triggersOf = byOid(triggers);

    // Partitions under their top-level table; a partition of another schema (and what is below it) stays out.
    const relByOid = new Map(rels.map((r) => [r.oid as string, r]));
    const dropped = new Set<string>();
    const topOf = (r: Row): Row => (r.parent_oid ? topOf(relByOid.get(r.parent_oid)!) : r);
    const tables: NativeTableDdl[] = [];
    const tableOf = new Map<string, NativeTableDdl>();
    for (const r of rels) {
      if (r.parent_oid && options.flattenPartitions) continue; // its rows go into the plain top-level table
      if (r.parent_oid && (dropped.has(r.parent_oid) || !r.local)) {
        dropped.add(r.oid);
        if (!r.local) skipped.push({ object: `partition ${r.schema}.${r.name}`, reason: `a partition of ${schema}.${r.parent} in another schema is not carried: rows of its range have no partition at the destination` });
        continue;
      }
      const top = topOf(r);
      let table = tableOf.get(top.oid);
      if (!table) {
        table = { name: top.name, create: [], keys: [], indexes: [], foreignKeys: [], after: [] };
        tableOf.set(top.oid, table);
        tables.push(table);
      }
      const ownSequences = sequences.filter((s) => s.schema === schema && s.owner_copied && s.owner_table === r.name);
      addRelation(table, r, {
        q, schema, skipped, ownSequences,
        columns: columnsOf.get(r.oid) ?? [],
        constraints: constraintsOf.get(r.oid) ?? [],
        indexes: indexesOf.get(r.oid) ?? [],
        triggers: triggersOf.get(r.oid) ?? [],
        carriedFunctions,
        flatten: !!options.flattenPartitions,
      });
      if (options.flattenPartitions && r.kind === 'p') {
        skipped.push({ object: `partitioning of ${schema}.${r.name}`, reason: 'flattened (--flatten-partitions): its rows are in one table' });
      }
    }
    return {
      engine: 'postgresql',
      serverVersion,
      prerequisites,
      tables,
      views: viewStatements(views, schema, q),
      ...(options.includeViews
        ? { types: typeStatements(schemaTypes.filter((t) => t.schema === schema), schema, q, skipped, carriedExtensions), functions: routineStatements(routines, schema, q, skipped) }
        : {}),
      skipped,
    };
  });
}

interface RelationParts {
  q: (n: string) => string;
  schema: string;
  skipped: SkippedObject[];
  columns: Row[];
  constraints: Row[];
  indexes: Row[];
  triggers: Row[];
  ownSequences: Row[];
  carriedFunctions: Map<string, DdlStatement>;
  /** A partitioned table is created as a plain one. */
  flatten: boolean;
}

/** A table's or a partition's statements, added to its top-level table's phases. */
function addRelation(table: NativeTableDdl, r: Row, p: RelationParts): void {
  const { q } = p;
  const name = q(r.name);
  const partitioned = r.kind === 'p';
  const checks = p.constraints.filter((c) => c.type === 'c');
  const unlogged = r.persistence === 'u' ? 'UNLOGGED ' : '';
  const withOptions = r.options ? ` WITH (${r.options})` : ''; // reloptions, e.g. fillfactor=70
  const partitionBy = partitioned && !p.flatten ? ` PARTITION BY ${r.partkey}` : '';
  if (r.parent_oid) {
    table.create.push(stmt(`partition ${r.name}`, `CREATE ${unlogged}TABLE ${name} PARTITION OF ${q(r.parent)} ${r.bound}${partitionBy}${withOptions}`));
    for (const c of checks) table.create.push(stmt(`check ${c.name}`, `ALTER TABLE ${name} ADD CONSTRAINT ${q(c.name)} ${c.def}`));
  } else {
    const parts = p.columns.map((c) => columnDefinition(c, q));
    for (const c of checks.filter((c) => c.validated)) parts.push(`CONSTRAINT ${q(c.name)} ${c.def}`);
    table.create.push(stmt(`table ${r.name}`, `CREATE ${unlogged}TABLE ${name} (\n  ${parts.join(',\n  ')}\n)${partitionBy}${withOptions}`));
    // Not yet validated at the source: added NOT VALID after the rows, as it was.
    for (const c of checks.filter((c) => !c.validated)) table.after.push(stmt(`check ${c.name}`, `ALTER TABLE ${name} ADD CONSTRAINT ${q(c.name)} ${c.def}`));
  }
  for (const s of p.ownSequences) {
    table.create.push(stmt(`sequence ${s.name} owned by ${r.name}.${s.owner_column}`, `ALTER SEQUENCE ${q(s.name)} OWNED BY ${name}.${q(s.owner_column)}`));
  }
  if (r.comment !== null) table.create.push(stmt(`comment on table ${r.name}`, `COMMENT ON TABLE ${name} IS ${literal(r.comment)}`));
  for (const c of p.columns.filter((c) => c.comment !== null)) {
    table.create.push(stmt(`comment on column ${r.name}.${c.name}`, `COMMENT ON COLUMN ${name}.${q(c.name)} IS ${literal(c.comment)}`));
  }

  for (const c of p.constraints.filter((c) => c.type === 'p' || c.type === 'u' || c.type === 'x')) {
    const kind = c.type === 'p' ? 'primary key' : c.type === 'u' ? 'unique' : 'exclusion';
    table.keys.push(stmt(`${kind} ${c.name}`, `ALTER TABLE ${name} ADD CONSTRAINT ${q(c.name)} ${c.def}`));
  }
  // An index or foreign key of a partition of its own says which (`index x (partition p)`).
  const onPartition = r.parent_oid ? ` (partition ${r.name})` : '';
  for (const ix of p.indexes) {
    // A partitioned table's index is created on the parent and cascades to the partitions (not ON ONLY).
    const def = partitioned ? (ix.def as string).replace(/^(CREATE (?:UNIQUE )?INDEX .*? ON )ONLY /, '$1') : ix.def;
    table.indexes.push(stmt(`index ${ix.name}${onPartition}`, def));
  }
  for (const c of p.constraints.filter((c) => c.type === 'f')) {
    const ref = { referencedSchema: c.ref_schema as string, referencedTable: c.ref_table as string };
    // NOT VALID then VALIDATE: the check scans under a weaker lock. PostgreSQL 15 has no NOT VALID foreign key on a partitioned table.
    const deferValidation = c.validated && !partitioned;
    const add = `ALTER TABLE ${name} ADD CONSTRAINT ${q(c.name)} ${c.def}${deferValidation ? ' NOT VALID' : ''}`;
    table.foreignKeys.push({ ...stmt(`foreign key ${c.name}${onPartition}`, add), ...ref });
    if (deferValidation) {
      table.foreignKeys.push({ ...stmt(`foreign key ${c.name}${onPartition} (validate)`, `ALTER TABLE ${name} VALIDATE CONSTRAINT ${q(c.name)}`), ...ref });
    }
  }
  for (const t of p.triggers) {
    // A built-in trigger function (tsvector_update_trigger, suppress_redundant_updates_trigger) is at the destination too.
    const builtIn = t.fn_schema === 'pg_catalog';
    if (!builtIn && (t.fn_schema !== p.schema || !p.carriedFunctions.has(t.fn))) {
      p.skipped.push({
        object: `trigger ${t.name} on ${r.name}`,
        reason: t.fn_schema !== p.schema
          ? `its function ${t.fn_schema}.${t.fn_name} is in another schema: not carried`
          : `its function ${t.fn_name} is not carried (${t.language === 'sql' || t.language === 'plpgsql' ? 'see its own entry' : `written in ${t.language}`})`,
      });
      continue;
    }
    table.after.push(stmt(`trigger ${t.name} on ${r.name}`, t.def));
    const enable = ENABLED[t.enabled as string];
    if (enable) table.after.push(stmt(`trigger ${t.name} on ${r.name} (${enable.toLowerCase()})`, `ALTER TABLE ${name} ${enable} ${q(t.name)}`));
  }
  for (const pol of (r.policies as string[] | null) ?? []) {
    p.skipped.push({ object: `policy ${pol} on ${r.name}`, reason: 'row-level security policies are not carried' });
  }
  if (r.rls) p.skipped.push({ object: `row-level security on ${r.name}`, reason: 'ENABLE ROW LEVEL SECURITY is not carried' });
  for (const rule of (r.rules as string[] | null) ?? []) {
    p.skipped.push({ object: `rule ${rule} on ${r.name}`, reason: 'rules are not carried' });
  }
  for (const st of (r.statistics as string[] | null) ?? []) {
    p.skipped.push({ object: `statistics ${st} on ${r.name}`, reason: 'extended statistics (CREATE STATISTICS) are not carried' });
  }
  if (r.grants) p.skipped.push({ object: `privileges on ${r.name}`, reason: 'GRANTs (and the owner) are not carried: the destination keeps its own roles' });
  for (const parent of (r.inherits as string[] | null) ?? []) {
    p.skipped.push({ object: `inheritance of ${r.name} from ${parent}`, reason: 'table inheritance (INHERITS) is not carried: the table is created on its own' });
  }
}

function columnDefinition(c: Row, q: (n: string) => string): string {
  let line = `${q(c.name)} ${c.type}`;
  if (c.collation) line += ` COLLATE ${c.collation}`;
  if (c.generated === 's') line += ` GENERATED ALWAYS AS (${c.def}) STORED`;
  else if (c.identity === 'a' || c.identity === 'd') {
    const options = c.seq_name
      ? ` (SEQUENCE NAME ${q(c.seq_name)} START WITH ${c.seq_start} INCREMENT BY ${c.seq_increment} MINVALUE ${c.seq_min} ` +
        `MAXVALUE ${c.seq_max} CACHE ${c.seq_cache}${c.seq_cycle ? ' CYCLE' : ' NO CYCLE'})`
      : '';
    line += ` GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${options}`;
  } else if (c.def !== null) line += ` DEFAULT ${c.def}`;
  if (c.notnull) line += ' NOT NULL';
  return line;
}

/** Enums, domains and composite types of the schema, each after the types it is built from. */
function typeStatements(types: Row[], schema: string, q: (n: string) => string, skipped: SkippedObject[], extensions: Set<string>): DdlStatement[] {
  const local = new Map<string, Row>();
  for (const t of types) {
    if (t.extension) {
      // A type of an extension the tables use comes with it (extensionStatements).
      if (!extensions.has(t.extension)) skipped.push({ object: `type ${t.schema}.${t.name}`, reason: `belongs to extension ${t.extension}, which no copied table uses: the extension is not created` });
    } else if (t.schema !== schema) {
      skipped.push({ object: `type ${t.schema}.${t.name}`, reason: `in schema ${t.schema}: not carried, the destination needs it` });
    } else if (t.kind === 'e' || t.kind === 'd' || t.kind === 'c') {
      local.set(t.oid, t);
    } else {
      skipped.push({ object: `type ${t.name}`, reason: `${t.kind === 'r' || t.kind === 'm' ? 'range' : 'base'} types are not carried` });
    }
  }
  const out: DdlStatement[] = [];
  const done = new Set<string>();
  const visit = (t: Row) => {
    if (done.has(t.oid)) return;
    done.add(t.oid);
    for (const dep of (t.deps as string[] | null) ?? []) {
      const d = local.get(dep);
      if (d) visit(d);
    }
    out.push(...typeDefinition(t, q));
  };
  for (const t of local.values()) visit(t);
  return out;
}

function typeDefinition(t: Row, q: (n: string) => string): DdlStatement[] {
  const name = q(t.name);
  const out: DdlStatement[] = [];
  if (t.kind === 'e') {
    out.push(stmt(`type ${t.name}`, `CREATE TYPE ${name} AS ENUM (${((t.labels as string[] | null) ?? []).map(literal).join(', ')})`));
  } else if (t.kind === 'c') {
    const attributes = (t.attributes as Row[] | null) ?? [];
    const parts = attributes.map((a) => `${q(a.name)} ${a.type}${a.collation ? ` COLLATE ${a.collation}` : ''}`);
    out.push(stmt(`type ${t.name}`, `CREATE TYPE ${name} AS (${parts.join(', ')})`));
  } else {
    const checks = (t.checks as Row[] | null) ?? [];
    let sql = `CREATE DOMAIN ${name} AS ${t.base}`;
    if (t.collation) sql += ` COLLATE ${t.collation}`;
    if (t.def !== null) sql += ` DEFAULT ${t.def}`;
    if (t.notnull) sql += ' NOT NULL';
    for (const c of checks.filter((c) => c.validated)) sql += ` CONSTRAINT ${q(c.name)} ${c.def}`;
    out.push(stmt(`domain ${t.name}`, sql));
    for (const c of checks.filter((c) => !c.validated)) {
      out.push(stmt(`domain ${t.name} check ${c.name}`, `ALTER DOMAIN ${name} ADD CONSTRAINT ${q(c.name)} ${c.def}`));
    }
  }
  if (t.comment !== null) out.push(stmt(`comment on type ${t.name}`, `COMMENT ON ${t.kind === 'd' ? 'DOMAIN' : 'TYPE'} ${name} IS ${literal(t.comment)}`));
  return out;
}

/** Sequences of serial columns (identity sequences come with their column). */
function sequenceStatements(sequences: Row[], schema: string, q: (n: string) => string, skipped: SkippedObject[]): DdlStatement[] {
  const out: DdlStatement[] = [];
  for (const s of sequences) {
    if (s.schema !== schema) {
      skipped.push({ object: `sequence ${s.schema}.${s.name}`, reason: `in schema ${s.schema}: not carried, a default draws from it` });
      continue;
    }
    out.push(stmt(`sequence ${s.name}`,
      `CREATE SEQUENCE ${q(s.name)} AS ${s.type} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} ` +
        `START WITH ${s.start} CACHE ${s.cache}${s.cycle ? ' CYCLE' : ' NO CYCLE'}`));
  }
  return out;
}

/**
 * Functions of the schema written in SQL or PL/pgSQL that the tables call (trigger functions,
 * functions in defaults, CHECKs and index expressions), by oid. A function whose text names the
 * source schema would act on the source from the destination: not carried.
 */
function functionStatements(functions: Row[], schema: string, skipped: SkippedObject[]): Map<string, DdlStatement> {
  const out = new Map<string, DdlStatement>();
  for (const f of functions) {
    const object = `function ${f.schema === schema ? '' : `${f.schema}.`}${f.name}(${f.args})`;
    if (f.schema !== schema) {
      skipped.push({ object, reason: `in schema ${f.schema}: not carried, the destination needs it` });
      continue;
    }
    if (!f.def) {
      skipped.push({ object, reason: `written in ${f.language}: only SQL and PL/pgSQL functions are carried` });
      continue;
    }
    const def = unqualifiedDefinition(f, schema);
    if (def === null) {
      skipped.push({ object, reason: `its text names schema ${schema}: recreated elsewhere it would still act on ${schema}` });
      continue;
    }
    out.set(f.oid, stmt(object, def));
  }
  return out;
}

/**
 * pg_get_functiondef's text without the schema before the name, so it lands where applyDdl runs
 * it; null when the rest of the text names the schema (it would still act on the source's schema).
 */
function unqualifiedDefinition(f: Row, schema: string): string | null {
  const kind = /^CREATE OR REPLACE (FUNCTION|PROCEDURE) /.exec(f.def as string)?.[0] ?? 'CREATE OR REPLACE FUNCTION ';
  const header = `${kind}${f.qschema}.`;
  const def = (f.def as string).startsWith(header) ? kind + (f.def as string).slice(header.length) : (f.def as string);
  const flags = schema === schema.toLowerCase() ? 'i' : '';
  const spellings = [f.qschema, schema, `"${schema.replace(/"/g, '""')}"`].map(escapeRegExp).join('|');
  const names = new RegExp(`(^|[^A-Za-z0-9_$"])(${spellings})\\.|search_path\\b[^\\n]*${escapeRegExp(schema)}`, flags);
  return names.test(def.slice(kind.length)) ? null : def;
}

const PARALLEL: Record<string, string> = { s: 'SAFE', r: 'RESTRICTED', u: 'UNSAFE' };

/**
 * A whole schema's functions, procedures and aggregates (SQL and PL/pgSQL; an aggregate built from
 * them), plain ones first: views call them, and nothing else in the copy creates the ones no
 * table uses. Each is a statement of its own, so a refusal is reported for that one alone.
 */
function routineStatements(routines: Row[], schema: string, q: (n: string) => string, skipped: SkippedObject[]): NativeViewDdl[] {
  const out: NativeViewDdl[] = [];
  for (const f of routines) {
    const kind = f.kind === 'a' ? 'aggregate' : f.kind === 'p' ? 'procedure' : 'function';
    const name = `${f.name}(${f.args})`;
    const object = `${kind} ${name}`;
    let sql: string | null = null;
    if (f.kind === 'a') {
      if (f.agg_kind !== 'n' || f.agg_moving) {
        skipped.push({ object, reason: 'ordered-set, hypothetical-set and moving aggregates are not carried' });
        continue;
      }
      const parts = [`SFUNC = ${f.agg_sfunc}`, `STYPE = ${f.agg_stype}`];
      if (f.agg_finalfunc) parts.push(`FINALFUNC = ${f.agg_finalfunc}`);
      if (f.agg_finalextra) parts.push('FINALFUNC_EXTRA');
      if (f.agg_combinefunc) parts.push(`COMBINEFUNC = ${f.agg_combinefunc}`);
      if (f.agg_serialfunc) parts.push(`SERIALFUNC = ${f.agg_serialfunc}`);
      if (f.agg_deserialfunc) parts.push(`DESERIALFUNC = ${f.agg_deserialfunc}`);
      if (f.agg_initcond !== null) parts.push(`INITCOND = ${literal(f.agg_initcond)}`);
      if (f.agg_sortop) parts.push(`SORTOP = ${f.agg_sortop}`);
      if (PARALLEL[f.parallel] && f.parallel !== 'u') parts.push(`PARALLEL = ${PARALLEL[f.parallel]}`);
      sql = `CREATE OR REPLACE AGGREGATE ${q(f.name)}(${f.args || '*'}) (${parts.join(', ')})`;
    } else if (!f.def) {
      skipped.push({ object, reason: `written in ${f.language}: only SQL and PL/pgSQL functions are carried` });
      continue;
    } else {
      sql = unqualifiedDefinition(f, schema);
      if (sql === null) {
        skipped.push({ object, reason: `its text names schema ${schema}: recreated elsewhere it would still act on ${schema}` });
        continue;
      }
    }
    out.push({ name, object, sql, dependsOn: ((f.tables as string[] | null) ?? []).sort(), external: [] });
  }
  return out;
}

/** Views and materialized views in dependency order; a materialized view populated at the source is created WITH DATA (after the rows). */
function viewStatements(views: Row[], schema: string, q: (n: string) => string): NativeViewDdl[] {
  const built = new Map<string, NativeViewDdl>();
  for (const v of views) {
    const reads = ((v.reads as Row[] | null) ?? []).filter((x) => x.schema !== 'pg_catalog' && x.schema !== 'information_schema');
    const dependsOn = [...new Set(reads.filter((x) => x.schema === schema).map((x) => x.name as string))].sort();
    const external = [...new Set(reads.filter((x) => x.schema !== schema).map((x) => `${x.schema}.${x.name}`))].sort();
    const name = q(v.name);
    const withOptions = v.options ? ` WITH (${v.options})` : ''; // e.g. security_barrier=true, check_option=local
    const materialized = v.kind === 'm';
    const sql = [
      materialized
        ? `CREATE MATERIALIZED VIEW ${name}${withOptions} AS\n${v.def}\n${v.populated ? 'WITH DATA' : 'WITH NO DATA'}`
        : `CREATE VIEW ${name}${withOptions} AS\n${v.def}`,
      ...((v.indexes as string[] | null) ?? []),
      ...(v.comment !== null ? [`COMMENT ON ${materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${name} IS ${literal(v.comment)}`] : []),
    ].join(';\n');
    built.set(v.name, { name: v.name, object: `${materialized ? 'materialized view' : 'view'} ${v.name}`, sql, dependsOn, external });
  }
  const ordered: NativeViewDdl[] = [];
  const done = new Set<string>();
  const visit = (v: NativeViewDdl) => {
    if (done.has(v.name)) return;
    done.add(v.name);
    for (const d of v.dependsOn) {
      const dv = built.get(d);
      if (dv) visit(dv);
    }
    ordered.push(v);
  };
  for (const v of built.values()) visit(v);
  return ordered;
}
