import type {
  ColumnSchema,
  ForeignKeySchema,
  IndexSchema,
  IntrospectOptions,
  TableSchema,
  UniqueConstraint,
} from '@sluice/connector-sdk';
import type { PgContext } from './postgres-session';
import { postgresTypes } from './postgres-types';
import { STATE_TABLE } from './postgres-checkpoint';

/** Prefix of a replace's staging tables (activities' `stagingOf`). */
export const STAGING_PREFIX = '_sluice_stg_';

/*
 * One catalog query per object kind for the whole schema (tables, columns,
 * constraints, indexes), never one per table. Name lists come back as JSON
 * so names with commas, quotes or braces survive. Partitions are left out:
 * their rows are read and written through the partitioned parent.
 */

const TABLES = `
SELECT c.oid::int8::text AS oid, c.relname AS name, c.relkind AS kind, c.reltuples::float8 AS tuples
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind = ANY($2::"char"[]) AND NOT c.relispartition
  AND ($3::text[] IS NULL OR c.relname = ANY($3::text[]))
  -- Sluice's own bookkeeping (sync state, replace staging) only when asked for by name.
  AND ($3::text[] IS NOT NULL OR (c.relname <> '${STATE_TABLE}' AND left(c.relname, ${STAGING_PREFIX.length}) <> '${STAGING_PREFIX}'))
ORDER BY c.relname`;

const COLUMNS = `
SELECT a.attrelid::int8::text AS oid, a.attname AS name,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) ELSE format_type(a.atttypid, a.atttypmod) END AS native,
       a.attnotnull AS notnull, a.attidentity AS ident, a.attgenerated AS gen,
       pg_get_expr(d.adbin, d.adrelid) AS def,
       CASE WHEN t.typtype = 'd' THEN t.typname END AS domain,
       CASE WHEN t.typtype = 'd' THEN (SELECT json_agg(pg_get_constraintdef(k.oid) ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid) END AS domain_checks,
       t.typnotnull AS domain_notnull,
       -- A serial / identity column's next value (its sequence's position; pg_sequences says NULL before the first call).
       CASE WHEN a.attidentity IN ('a', 'd') OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' THEN
         (SELECT COALESCE(s.last_value + s.increment_by, s.start_value)::text FROM pg_sequences s
          WHERE format('%I.%I', s.schemaname, s.sequencename) = pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname))
       END AS identity_next
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = $1 AND c.relkind = ANY($2::"char"[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;

const CONSTRAINTS = `
SELECT con.conrelid::int8::text AS oid, con.conname AS name, con.contype AS type,
       (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num) AS columns,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num) AS ref_columns,
       con.confdeltype AS on_delete, con.confupdtype AS on_update
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE n.nspname = $1 AND con.contype IN ('p', 'u', 'f')
ORDER BY con.conrelid, con.conname`;

/** Index key parts in order: the column name, or the expression text of an expression key. */
export const INDEX_COLUMNS = `(SELECT json_agg(CASE WHEN ix.indkey[s] = 0 THEN pg_get_indexdef(ix.indexrelid, s + 1, true)
          ELSE (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = ix.indrelid AND a.attnum = ix.indkey[s]) END ORDER BY s)
        FROM generate_series(0, ix.indnkeyatts - 1) s)`;

const INDEXES = `
SELECT ix.indrelid::int8::text AS oid, i.relname AS name, ix.indisunique AS unique,
       ${INDEX_COLUMNS} AS columns, pg_get_indexdef(ix.indexrelid) AS definition
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class c ON c.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1
ORDER BY ix.indrelid, i.relname`;

const ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

/** `a`/`d` identity, or a serial column (default drawn from a sequence). */
export function isGenerated(identity: string, defaultExpr: string | null): boolean {
  return identity === 'a' || identity === 'd' || /^nextval\(/i.test(defaultExpr ?? '');
}

export async function introspectSchema(ctx: PgContext, schema: string, options: IntrospectOptions): Promise<TableSchema[]> {
  const kinds = options.includeViews ? ['r', 'p', 'v', 'm'] : ['r', 'p'];
  const tables = options.tables ?? null;
  const [t, c, k, i] = await Promise.all([
    ctx.withClient((cl) => cl.query(TABLES, [schema, kinds, tables])),
    ctx.withClient((cl) => cl.query(COLUMNS, [schema, kinds])),
    ctx.withClient((cl) => cl.query(CONSTRAINTS, [schema])),
    ctx.withClient((cl) => cl.query(INDEXES, [schema])),
  ]);
  const byOid = new Map<string, TableSchema>();
  for (const r of t.rows) {
    const tuples = r.tuples as number;
    byOid.set(r.oid, {
      schema,
      name: r.name,
      kind: r.kind === 'v' || r.kind === 'm' ? 'view' : 'table',
      columns: [],
      primaryKey: null,
      uniqueConstraints: [],
      indexes: [],
      foreignKeys: [],
      rowEstimate: tuples < 0 ? null : Math.round(tuples), // −1: never vacuumed or analyzed
    });
  }
  for (const r of c.rows) {
    const table = byOid.get(r.oid);
    if (!table) continue;
    const generatedStored = r.gen === 's';
    const column: ColumnSchema = {
      name: r.name,
      nativeType: r.native,
      type: postgresTypes.toCanonical(r.native),
      nullable: !r.notnull,
      identity: isGenerated(r.ident, r.def),
      default: generatedStored ? null : (r.def ?? null),
    };
    if (column.identity && r.identity_next) column.identityNext = r.identity_next;
    if (r.domain) column.domain = { name: r.domain, constraints: [...(r.domain_checks ?? []), ...(r.domain_notnull ? ['NOT NULL'] : [])] };
    table.columns.push(column);
  }
  for (const r of k.rows) {
    const table = byOid.get(r.oid);
    if (!table) continue;
    const columns: string[] = r.columns ?? [];
    if (r.type === 'p') table.primaryKey = columns;
    else if (r.type === 'u') table.uniqueConstraints.push({ name: r.name, columns } satisfies UniqueConstraint);
    else table.foreignKeys.push(foreignKeyOf(r));
  }
  for (const r of i.rows) {
    const table = byOid.get(r.oid);
    if (!table) continue;
    table.indexes.push({ name: r.name, columns: r.columns ?? [], unique: r.unique, definition: r.definition } satisfies IndexSchema);
  }
  return [...byOid.values()];
}

export function foreignKeyOf(r: Record<string, any>): ForeignKeySchema {
  return {
    name: r.name,
    columns: r.columns ?? [],
    referencedSchema: r.ref_schema,
    referencedTable: r.ref_table,
    referencedColumns: r.ref_columns ?? [],
    onDelete: ACTIONS[r.on_delete] ?? 'NO ACTION',
    onUpdate: ACTIONS[r.on_update] ?? 'NO ACTION',
  };
}
