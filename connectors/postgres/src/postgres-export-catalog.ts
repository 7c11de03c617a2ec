import type { PoolClient } from 'pg';

/*
 * The catalog queries of a same-engine DDL export (postgres-export-ddl.ts),
 * one per object kind whatever the number of tables. They run in one
 * transaction with `search_path = <schema>, pg_catalog`: format_type and the
 * pg_get_* deparsers then print the schema's own objects unqualified and
 * everything else (public.citext, other.table) qualified. The destination
 * applies them with its own schema first on its search_path (applyDdl).
 * The schema comes before pg_catalog, on both sides: an object of the schema
 * that shadows a built-in name prints unqualified and the built-in as
 * pg_catalog.x, and each resolves to the same thing at the destination.
 * RELATIONS takes the schema and the table names; the others `$1`, the oids
 * of the copied relations (tables and their partitions). PostgreSQL 13+
 * (tgparentid, regcollation).
 */

/** Tables of the list (not partitions) and, recursively, their partitions. */
export const RELATIONS = `
WITH top AS (
  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname = ANY($2::text[])
), tree AS (
  SELECT t.oid, NULL::oid AS parent, 0 AS level FROM top t
  UNION
  SELECT pt.relid, pt.parentrelid, pt.level FROM top t, LATERAL pg_partition_tree(t.oid) pt WHERE pt.level > 0
)
SELECT c.oid::int8::text AS oid, c.relname AS name, c.relkind AS kind, n.nspname AS schema, n.nspname = $1 AS local,
       tree.level, p.relname AS parent, tree.parent::int8::text AS parent_oid, c.relpersistence AS persistence, array_to_string(c.reloptions, ', ') AS options,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
       obj_description(c.oid, 'pg_class') AS comment,
       c.relrowsecurity AS rls, c.relacl IS NOT NULL AS grants,
       (SELECT json_agg(st.stxname ORDER BY st.stxname) FROM pg_statistic_ext st WHERE st.stxrelid = c.oid) AS statistics,
       (SELECT json_agg(pol.polname ORDER BY pol.polname) FROM pg_policy pol WHERE pol.polrelid = c.oid) AS policies,
       (SELECT json_agg(r.rulename ORDER BY r.rulename) FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN') AS rules,
       (SELECT json_agg(quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)) FROM pg_inherits i
          JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
          WHERE i.inhrelid = c.oid AND NOT c.relispartition) AS inherits
FROM tree JOIN pg_class c ON c.oid = tree.oid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class p ON p.oid = tree.parent
ORDER BY tree.level, c.relname`;

export const COLUMNS = `
SELECT a.attrelid::int8::text AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS notnull, a.attidentity AS identity, a.attgenerated AS generated,
       pg_get_expr(d.adbin, d.adrelid) AS def,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END AS collation,
       col_description(a.attrelid, a.attnum) AS comment,
       s.relname AS seq_name, format_type(sq.seqtypid, NULL) AS seq_type, sq.seqstart::text AS seq_start,
       sq.seqincrement::text AS seq_increment, sq.seqmin::text AS seq_min, sq.seqmax::text AS seq_max,
       sq.seqcache::text AS seq_cache, sq.seqcycle AS seq_cycle
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_depend dep ON a.attidentity <> '' AND dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
  AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'
LEFT JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
LEFT JOIN pg_sequence sq ON sq.seqrelid = s.oid
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;

/** Constraints defined on the relation itself (not inherited from a partitioned parent). */
export const CONSTRAINTS = `
SELECT con.conrelid::int8::text AS oid, con.conname AS name, con.contype AS type, con.convalidated AS validated,
       pg_get_constraintdef(con.oid) AS def, rn.nspname AS ref_schema, rc.relname AS ref_table
FROM pg_constraint con
LEFT JOIN pg_class rc ON rc.oid = con.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('c', 'p', 'u', 'x', 'f')
  AND con.conparentid = 0 AND con.coninhcount = 0
ORDER BY con.conrelid, con.contype, con.conname`;

/** Indexes not backing a constraint, and not a partition's share of its parent's index. */
export const INDEXES = `
SELECT ix.indrelid::int8::text AS oid, i.relname AS name, ix.indisunique AS unique,
       pg_get_indexdef(ix.indexrelid, 0, true) AS def
FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
WHERE ix.indrelid = ANY($1::oid[]) AND NOT i.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid)
ORDER BY ix.indrelid, i.relname`;

/** User triggers (not foreign keys' internal ones), with their function. */
export const TRIGGERS = `
SELECT tg.tgrelid::int8::text AS oid, tg.tgname AS name, pg_get_triggerdef(tg.oid, true) AS def, tg.tgenabled AS enabled,
       p.oid::int8::text AS fn, pn.nspname AS fn_schema, p.proname AS fn_name, l.lanname AS language
FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE tg.tgrelid = ANY($1::oid[]) AND NOT tg.tgisinternal AND tg.tgparentid = 0
ORDER BY tg.tgrelid, tg.tgname`;

/**
 * Functions the tables' defaults, CHECKs, generated columns and indexes call (pg_depend), and
 * trigger functions: $2 the trigger functions' oids.
 */
export const FUNCTIONS = `
WITH used AS (
  SELECT d.refobjid AS oid FROM pg_depend d
  WHERE d.refclassid = 'pg_proc'::regclass AND (
       (d.classid = 'pg_attrdef'::regclass AND d.objid IN (SELECT oid FROM pg_attrdef WHERE adrelid = ANY($1::oid[])))
    OR (d.classid = 'pg_constraint'::regclass AND d.objid IN (SELECT oid FROM pg_constraint WHERE conrelid = ANY($1::oid[])))
    OR (d.classid = 'pg_class'::regclass AND d.objid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY($1::oid[]))))
  UNION SELECT unnest($2::oid[])
)
SELECT p.oid::int8::text AS oid, n.nspname AS schema, quote_ident(n.nspname) AS qschema, p.proname AS name, l.lanname AS language,
       p.prokind AS kind, pg_get_function_identity_arguments(p.oid) AS args,
       CASE WHEN n.nspname = $3 AND p.prokind IN ('f', 'p') AND l.lanname IN ('sql', 'plpgsql') THEN pg_get_functiondef(p.oid) END AS def
FROM used JOIN pg_proc p ON p.oid = used.oid JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
ORDER BY p.proname, p.oid`;

/**
 * User types the columns use, directly or through arrays, domains and composite types, with
 * the types they are built from (`deps`), outside pg_catalog / information_schema.
 */
export const TYPES = typesQuery(`SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped`);

/**
 * Enums, domains and composite types of the schema $1 that no table of it uses (a whole-schema
 * copy: the tables bring the others), with what they are built from.
 */
export const SCHEMA_TYPES = typesQuery(`SELECT t.oid FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = $1 AND t.typtype IN ('e', 'd', 'c') AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
      AND NOT EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = t.typnamespace AND c.relkind IN ('r', 'p') AND a.atttypid IN (t.oid, t.typarray) AND NOT a.attisdropped)`);

function typesQuery(seed: string): string {
  return `
WITH RECURSIVE used(oid) AS (
  ${seed}
  UNION
  SELECT x.oid FROM used u JOIN pg_type t ON t.oid = u.oid,
    LATERAL (SELECT t.typelem WHERE t.typelem <> 0 AND t.typlen = -1
             UNION ALL SELECT t.typbasetype WHERE t.typtype = 'd'
             UNION ALL SELECT r.rngsubtype FROM pg_range r WHERE t.typtype = 'r' AND r.rngtypid = t.oid
             UNION ALL SELECT a.atttypid FROM pg_attribute a WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) x(oid)
)
SELECT t.oid::int8::text AS oid, n.nspname AS schema, t.typname AS name, t.typtype AS kind,
       (SELECT e.extname FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
         WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e') AS extension,
       CASE t.typtype
         WHEN 'd' THEN json_build_array(t.typbasetype::int8::text)
         WHEN 'c' THEN (SELECT json_agg(a.atttypid::int8::text) FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
         WHEN 'r' THEN (SELECT json_build_array(r.rngsubtype::int8::text) FROM pg_range r WHERE r.rngtypid = t.oid)
         ELSE '[]'::json END AS deps,
       (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base,
       CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN t.typcollation::regcollation::text END AS collation,
       t.typnotnull AS notnull, t.typdefault AS def,
       (SELECT json_agg(json_build_object('name', c.conname, 'def', pg_get_constraintdef(c.oid), 'validated', c.convalidated) ORDER BY c.conname)
          FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c') AS checks,
       (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                 'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation THEN a.attcollation::regcollation::text END)
                 ORDER BY a.attnum)
          FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
          WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attributes,
       obj_description(t.oid, 'pg_type') AS comment
FROM (SELECT DISTINCT oid FROM used) u JOIN pg_type t ON t.oid = u.oid JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND t.typtype IN ('e', 'd', 'c', 'r', 'b', 'm')
  AND NOT (t.typelem <> 0 AND t.typlen = -1)
  AND NOT (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) <> 'c')
ORDER BY t.typname`;
}

/** Sequences the columns' defaults draw from (serial columns), with the column that owns each. */
export const SEQUENCES = `
SELECT DISTINCT ON (s.oid) s.oid::int8::text AS oid, n.nspname AS schema, s.relname AS name,
       format_type(sq.seqtypid, NULL) AS type, sq.seqstart::text AS start, sq.seqincrement::text AS increment,
       sq.seqmin::text AS min, sq.seqmax::text AS max, sq.seqcache::text AS cache, sq.seqcycle AS cycle,
       oc.relname AS owner_table, oa.attname AS owner_column, oc.oid = ANY($1::oid[]) AS owner_copied
FROM pg_attrdef ad
JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
JOIN pg_namespace n ON n.oid = s.relnamespace JOIN pg_sequence sq ON sq.seqrelid = s.oid
LEFT JOIN pg_depend o ON o.classid = 'pg_class'::regclass AND o.objid = s.oid AND o.refclassid = 'pg_class'::regclass AND o.deptype = 'a'
LEFT JOIN pg_class oc ON oc.oid = o.refobjid
LEFT JOIN pg_attribute oa ON oa.attrelid = o.refobjid AND oa.attnum = o.refobjsubid
WHERE ad.adrelid = ANY($1::oid[])
ORDER BY s.oid`;

/** Views and materialized views of the schema, with what they read. */
export const VIEWS = `
SELECT v.oid::int8::text AS oid, v.relname AS name, v.relkind AS kind, array_to_string(v.reloptions, ', ') AS options, v.relispopulated AS populated,
       rtrim(btrim(pg_get_viewdef(v.oid)), ';') AS def, obj_description(v.oid, 'pg_class') AS comment,
       (SELECT json_agg(DISTINCT jsonb_build_object('schema', rn.nspname, 'name', rc.relname))
          FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
          JOIN pg_class rc ON rc.oid = d.refobjid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
          WHERE r.ev_class = v.oid AND d.refobjid <> v.oid) AS reads,
       (SELECT json_agg(pg_get_indexdef(ix.indexrelid, 0, true) ORDER BY i.relname)
          FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid WHERE ix.indrelid = v.oid) AS indexes
FROM pg_class v JOIN pg_namespace n ON n.oid = v.relnamespace
WHERE n.nspname = $1 AND v.relkind IN ('v', 'm')
ORDER BY v.relname`;

/**
 * Functions, procedures and aggregates of the schema $1 (not an extension's), for a whole-schema
 * copy: the SQL and PL/pgSQL ones' text, an aggregate's parts, and the tables of the schema whose
 * row type the signature uses (`tables`).
 */
export const ROUTINES = `
SELECT p.oid::int8::text AS oid, p.proname AS name, p.prokind AS kind, l.lanname AS language, quote_ident(n.nspname) AS qschema,
       pg_get_function_identity_arguments(p.oid) AS args,
       CASE WHEN p.prokind IN ('f', 'p') AND l.lanname IN ('sql', 'plpgsql') THEN pg_get_functiondef(p.oid) END AS def,
       a.aggkind AS agg_kind, a.aggtransfn::regproc::text AS agg_sfunc, format_type(a.aggtranstype, NULL) AS agg_stype,
       NULLIF(a.aggfinalfn, 0)::regproc::text AS agg_finalfunc, a.aggfinalextra AS agg_finalextra,
       NULLIF(a.aggcombinefn, 0)::regproc::text AS agg_combinefunc, NULLIF(a.aggserialfn, 0)::regproc::text AS agg_serialfunc,
       NULLIF(a.aggdeserialfn, 0)::regproc::text AS agg_deserialfunc, a.agginitval AS agg_initcond,
       (SELECT o.oprname FROM pg_operator o WHERE o.oid = a.aggsortop) AS agg_sortop, a.aggmtransfn <> 0 AS agg_moving, p.proparallel AS parallel,
       (SELECT json_agg(DISTINCT rc.relname) FROM pg_depend d JOIN pg_type t ON t.oid = d.refobjid JOIN pg_class rc ON rc.oid = t.typrelid
          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_type'::regclass
            AND rc.relnamespace = p.pronamespace AND rc.relkind IN ('r', 'p', 'v', 'm')) AS tables
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
WHERE n.nspname = $1
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
ORDER BY p.prokind = 'a', p.proname, p.oid`;

/** The export's snapshot: one read-only transaction, the schema first on the search path (see the top). */
export async function beginExport(client: PoolClient, schema: string): Promise<void> {
  await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  await client.query(`SELECT set_config('search_path', quote_ident($1) || ', pg_catalog', true)`, [schema]);
}
