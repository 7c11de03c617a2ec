import type { DdlStatement } from '@sluice/connector-sdk';

/**
 * Extensions the exported tables need: the types of their columns (arrays and domains over an
 * extension's type included), the functions their defaults call, the operator classes and
 * functions of their indexes, and what their constraints use (citext, hstore, uuid-ossp's
 * uuid_generate_v4(), pg_trgm's gin_trgm_ops, …). $1: the relations' oids.
 */
export const EXTENSIONS = `
  WITH RECURSIVE used(classid, objid) AS (
    SELECT d.refclassid, d.refobjid FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = ANY($1::oid[])
    UNION
    SELECT d.refclassid, d.refobjid FROM pg_depend d JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
    WHERE ad.adrelid = ANY($1::oid[])
    UNION
    SELECT d.refclassid, d.refobjid FROM pg_depend d JOIN pg_index i ON d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
    WHERE i.indrelid = ANY($1::oid[])
    UNION
    SELECT d.refclassid, d.refobjid FROM pg_depend d JOIN pg_constraint c ON d.classid = 'pg_constraint'::regclass AND d.objid = c.oid
    WHERE c.conrelid = ANY($1::oid[])
    UNION
    -- an array's element type, a domain's base type
    SELECT 'pg_type'::regclass, x.oid FROM used u JOIN pg_type t ON u.classid = 'pg_type'::regclass AND t.oid = u.objid
    JOIN pg_type x ON x.oid IN (t.typelem, t.typbasetype)
  )
  SELECT DISTINCT e.extname AS name, n.nspname AS schema
  FROM used u
  JOIN pg_depend de ON de.classid = u.classid AND de.objid = u.objid AND de.refclassid = 'pg_extension'::regclass AND de.deptype = 'e'
  JOIN pg_extension e ON e.oid = de.refobjid
  JOIN pg_namespace n ON n.oid = e.extnamespace
  ORDER BY 1`;

/**
 * `CREATE EXTENSION IF NOT EXISTS` for each extension the tables need, first among the
 * prerequisites: in the schema it has at the source (made when missing), or, when it lives in the
 * exported schema itself, in the destination schema. A destination that cannot create one (not a
 * superuser, the extension not trusted or not installed on the server) fails the job's schema step
 * naming the extension, before any table is tried.
 */
export function extensionStatements(extensions: { name: string; schema: string }[], schema: string, q: (n: string) => string): DdlStatement[] {
  const out: DdlStatement[] = [];
  for (const e of extensions) {
    const object = `extension ${e.name} (the copied tables use it; CREATE EXTENSION needs a superuser unless it is trusted)`;
    if (e.schema === schema) {
      out.push({ object, sql: `CREATE EXTENSION IF NOT EXISTS ${q(e.name)}` });
    } else {
      if (e.schema !== 'public') out.push({ object: `schema ${e.schema} of extension ${e.name}`, sql: `CREATE SCHEMA IF NOT EXISTS ${q(e.schema)}` });
      out.push({ object, sql: `CREATE EXTENSION IF NOT EXISTS ${q(e.name)} WITH SCHEMA ${q(e.schema)}` });
    }
  }
  return out;
}
