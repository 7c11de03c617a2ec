import {
  boundedRange,
  ConnectorError,
  TestCode,
  type DdlStatement,
  type NativeSchemaDdl,
  type NativeTableDdl,
  type NativeViewDdl,
  type SkippedObject,
  type TableRef, type ExportDdlOptions, type KeyRange } from '@sluice/connector-sdk';
import { keysetCondition } from './mysql-read';
import { tableColumns } from './mysql-introspect';
import { encodeParam } from './mysql-types';
import type { PoolConnection } from 'mysql2/promise';
import type { MysqlContext } from './mysql-session';

/**
 * Same-engine schema copies for MySQL/MariaDB: the server's own definitions
 * (SHOW CREATE TABLE / VIEW, information_schema.TRIGGERS) split into the
 * phases of a copy, and applied idempotently in another database.
 */

/** The connector type that writes and applies these exports (the plugin's `type`). */
export const DDL_ENGINE = 'mysql';

const fail = (message: string) => new ConnectorError(TestCode.DRIVER_ERROR, message, false);

// ---- tokens ----------------------------------------------------------------

/** Index just past the quoted token that starts at `i` ('…', "…" with doubled quotes and backslash escapes; `…` with doubled backticks). */
export function skipQuoted(s: string, i: number): number {
  const quote = s[i]!;
  for (let j = i + 1; j < s.length; j++) {
    const ch = s[j];
    if (ch === '\\' && quote !== '`') j++;
    else if (ch === quote) {
      if (s[j + 1] === quote) j++;
      else return j + 1;
    }
  }
  return s.length;
}

const isQuote = (ch: string | undefined) => ch === "'" || ch === '"' || ch === '`';

/** Index of the `)` that closes the `(` at `open` (quotes skipped), or -1. */
export function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; ) {
    const ch = s[i];
    if (isQuote(ch)) { i = skipQuoted(s, i); continue; }
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
    i++;
  }
  return -1;
}

/** Index of the first `(` outside quotes at or after `from`, or -1. */
function firstParen(s: string, from = 0): number {
  for (let i = from; i < s.length; ) {
    if (isQuote(s[i])) { i = skipQuoted(s, i); continue; }
    if (s[i] === '(') return i;
    i++;
  }
  return -1;
}

/** Splits at commas outside quotes and parentheses; items trimmed. */
export function splitTopLevel(s: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; ) {
    const ch = s[i];
    if (isQuote(ch)) { i = skipQuoted(s, i); continue; }
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) items.push(s.slice(start, i).trim()), (start = i + 1);
    i++;
  }
  const last = s.slice(start).trim();
  if (last) items.push(last);
  return items;
}

const IDENT = '`(?:[^`]|``)+`';
const unquote = (quoted: string) => quoted.slice(1, -1).replace(/``/g, '`');

/**
 * Drops the `schema`. qualifier where it starts a qualified name (`s`.`t`,
 * `s`.`t`.`c`, and in user-written trigger bodies also s.t), outside string
 * literals; other schemas' names are kept. An alias spelled like the schema
 * (`s`.`c` for alias.column) loses its qualifier too: the column then
 * resolves unqualified, or the statement fails loudly as ambiguous. With
 * `into`, the qualifier is replaced instead (`bare` for s., `quoted` for `s`.).
 */
export function unqualify(
  sql: string,
  schema: string,
  quote: (s: string) => string,
  into: { bare: string; quoted: string } = { bare: '', quoted: '' },
  calls: { bare: string; quoted: string } = into,
): string {
  const own = quote(schema);
  const bare = /^[A-Za-z0-9_$]+$/.test(schema) && !/^\d+$/.test(schema) ? schema : null;
  const nameStart = (ch: string | undefined) => ch !== undefined && /[`A-Za-z0-9_$\u0080-\uffff]/.test(ch);
  let out = '';
  let prev = '';
  for (let i = 0; i < sql.length; ) {
    const ch = sql[i]!;
    if (!isQuote(ch)) {
      const wordStart = !/[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i - 1] ?? ' ');
      if (bare && wordStart && prev !== '.' && sql.startsWith(`${bare}.`, i) && nameStart(sql[i + bare.length + 1])) {
        i += bare.length + 1; // s. : what follows is the rest of the same name
        out += isCall(sql, i) ? calls.bare : into.bare;
        prev = '.';
        continue;
      }
      out += ch;
      if (!/\s/.test(ch)) prev = ch;
      i++;
      continue;
    }
    const end = skipQuoted(sql, i);
    const token = sql.slice(i, end);
    if (ch === '`' && token === own && prev !== '.' && sql[end] === '.' && nameStart(sql[end + 1])) {
      i = end + 1; // the identifier and its dot: what follows is the rest of the same name
      out += isCall(sql, i) ? calls.quoted : into.quoted;
      prev = '.';
      continue;
    }
    out += token;
    prev = token[token.length - 1]!;
    i = end;
  }
  return out;
}

/** Whether the name starting at `i` (`f` or `\`f\``) is called: followed by `(`. */
function isCall(sql: string, i: number): boolean {
  let end = i;
  if (sql[i] === '`') end = skipQuoted(sql, i);
  else while (end < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[end]!)) end++;
  while (/\s/.test(sql[end] ?? '')) end++;
  return sql[end] === '(';
}

/**
 * Where a trigger body named its own schema (s.t or `s`.t): `applyDdl` puts the destination schema there,
 * spelled as the source spelled it (bare when the name allows), so the copy's trigger reads the copy's tables.
 */
const SCHEMA_MARK = { bare: '/*sluice schema*/.', quoted: '/*sluice `schema`*/.' };

/** A statement's schema marks (SCHEMA_MARK) replaced by `schema`. */
export function requalify(sql: string, schema: string, quote: (s: string) => string): string {
  if (!sql.includes('/*sluice ')) return sql;
  const bare = /^[A-Za-z0-9_$]+$/.test(schema) && !/^\d+$/.test(schema) ? schema : quote(schema);
  return sql.split(SCHEMA_MARK.bare).join(`${bare}.`).split(SCHEMA_MARK.quoted).join(`${quote(schema)}.`);
}

/** Two-part names `a`.`b` (not part of a longer name; `call` when followed by `(`): a table reference, an alias's column or a function. */
export function twoPartNames(sql: string): { first: string; second: string; call: boolean }[] {
  const names: { first: string; second: string; call: boolean }[] = [];
  for (let i = 0; i < sql.length; ) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') { i = skipQuoted(sql, i); continue; }
    if (ch !== '`') { i++; continue; }
    const chain: string[] = [];
    let end = i;
    for (;;) {
      const e = skipQuoted(sql, end);
      chain.push(unquote(sql.slice(end, e)));
      if (sql[e] === '.' && sql[e + 1] === '`') { end = e + 1; continue; }
      end = e;
      break;
    }
    let k = end;
    while (/\s/.test(sql[k] ?? '')) k++;
    if (chain.length === 2 && sql[i - 1] !== '.') names.push({ first: chain[0]!, second: chain[1]!, call: sql[k] === '(' });
    i = end;
  }
  return names;
}

// ---- SHOW CREATE TABLE, split -----------------------------------------------

export interface CreateTableParts {
  /** `CREATE TABLE `t`` */
  head: string;
  /** Column definitions, keys, indexes, constraints, as the server printed them. */
  items: string[];
  /** `) ENGINE=… [PARTITION BY …]` without the `)`. */
  tail: string;
}

export function parseCreateTable(sql: string): CreateTableParts {
  const open = firstParen(sql);
  const close = open < 0 ? -1 : closingParen(sql, open);
  if (close < 0) throw fail(`cannot read the table definition: ${sql.slice(0, 200)}`);
  return { head: sql.slice(0, open).trimEnd(), items: splitTopLevel(sql.slice(open + 1, close)), tail: sql.slice(close + 1) };
}

type ItemKind = 'column' | 'primary' | 'unique' | 'index' | 'foreign' | 'other';

export function itemKind(item: string): ItemKind {
  if (item.startsWith('`')) return 'column';
  if (/^PRIMARY KEY\b/i.test(item)) return 'primary';
  if (/^UNIQUE\b/i.test(item)) return 'unique';
  if (/^((FULLTEXT|SPATIAL|VECTOR)\s+)?(KEY|INDEX)\b/i.test(item)) return 'index';
  if (new RegExp(`^(CONSTRAINT\\s+${IDENT}\\s+)?FOREIGN KEY\\b`, 'i').test(item)) return 'foreign';
  return 'other';
}

/** The name of a key, index or constraint item (`PRIMARY` for the primary key). */
export function itemName(item: string): string {
  if (/^PRIMARY KEY\b/i.test(item)) return 'PRIMARY';
  const m = new RegExp(`^(?:CONSTRAINT\\s+(${IDENT})|(?:UNIQUE|FULLTEXT|SPATIAL|VECTOR)?\\s*(?:KEY|INDEX)\\s+(${IDENT}))`, 'i').exec(item);
  const quoted = m?.[1] ?? m?.[2];
  return quoted ? unquote(quoted) : '';
}

/** The first column of a key or index item (null for an expression). */
function firstKeyColumn(item: string): string | null {
  const open = firstParen(item);
  const m = open < 0 ? null : new RegExp(`^\\(\\s*(${IDENT})`).exec(item.slice(open));
  return m ? unquote(m[1]!) : null;
}

/** A foreign key item's referenced table: `t` (same schema) or `s`.`t`. */
export function referencedTable(item: string, schema: string): { schema: string; table: string } {
  const m = new RegExp(`\\bREFERENCES\\s+(${IDENT})(?:\\.(${IDENT}))?`, 'i').exec(item);
  if (!m) throw fail(`cannot read the foreign key: ${item.slice(0, 200)}`);
  return m[2] ? { schema: unquote(m[1]!), table: unquote(m[2]) } : { schema, table: unquote(m[1]!) };
}

/**
 * `… ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=…` without the counter. An export keeps it (the copy's next
 * key is the source's, e.g. a counter started at 1000); the writer still moves it past the copied rows.
 */
export function withoutAutoIncrement(tail: string): string {
  return tail.replace(/^(\s*(?:ENGINE=\S+\s+)?)AUTO_INCREMENT=\d+\s*/i, '$1');
}

/** The table options without their partitioning (`--flatten-partitions`): MySQL's versioned-comment form or MariaDB's plain clause. */
export function withoutPartitioning(tail: string): string {
  let plain = '';
  for (let i = 0; i < tail.length; ) {
    if (isQuote(tail[i])) {
      const end = skipQuoted(tail, i);
      plain += ' '.repeat(end - i);
      i = end;
      continue;
    }
    plain += tail[i++];
  }
  const at = /(\/\*!\d+\s*)?\bPARTITION\s+BY\b/i.exec(plain);
  return at ? tail.slice(0, at.index).trimEnd() : tail;
}

/** Partitioned: every unique key must hold the partition columns, so keys stay in the CREATE. */
function isPartitioned(tail: string): boolean {
  let plain = '';
  for (let i = 0; i < tail.length; ) {
    if (isQuote(tail[i])) { i = skipQuoted(tail, i); plain += ' '; continue; }
    plain += tail[i++];
  }
  return /\bPARTITION\s+BY\b/i.test(plain);
}

/**
 * One table's DDL from its SHOW CREATE TABLE: `create` (with the AUTO_INCREMENT
 * counter) without keys, indexes and foreign keys, except what the
 * server needs in the CREATE (InnoDB: an AUTO_INCREMENT column leads an
 * index; partitioned tables: unique keys hold the partition columns);
 * `keys`, `indexes` and `foreignKeys` as one ALTER TABLE … ADD each.
 */
export function splitCreateTable(
  name: string,
  showCreate: string,
  schema: string,
  autoIncrementColumn: string | null,
  quote: (s: string) => string,
  flattenPartitions = false,
): NativeTableDdl {
  const parts = parseCreateTable(showCreate);
  if (flattenPartitions) parts.tail = withoutPartitioning(parts.tail);
  const table = quote(name);
  const partitioned = isPartitioned(parts.tail);
  const kinds = parts.items.map(itemKind);
  // The key InnoDB needs with an AUTO_INCREMENT column: the primary key when the column leads it, else the first key or index it leads.
  let keep = -1;
  if (autoIncrementColumn !== null) {
    const leads = (i: number) => ['primary', 'unique', 'index'].includes(kinds[i]!) && firstKeyColumn(parts.items[i]!) === autoIncrementColumn;
    keep = kinds.findIndex((k, i) => k === 'primary' && leads(i));
    if (keep < 0) keep = parts.items.findIndex((_, i) => leads(i));
  }
  const ddl: NativeTableDdl = { name, create: [], keys: [], indexes: [], foreignKeys: [], after: [] };
  const inCreate: string[] = [];
  const keptKeys: string[] = [];
  const alter = (item: string) => `ALTER TABLE ${table} ADD ${item}`;
  parts.items.forEach((item, i) => {
    const kind = kinds[i]!;
    const label = itemName(item);
    if (kind === 'column' || kind === 'other' || i === keep || (partitioned && (kind === 'primary' || kind === 'unique'))) {
      inCreate.push(item);
      if (kind !== 'column' && kind !== 'other') keptKeys.push(kind === 'primary' ? 'primary key' : `${kind === 'unique' ? 'unique key' : 'index'} ${label}`);
    } else if (kind === 'primary') {
      ddl.keys.push({ object: `primary key of ${name}`, sql: alter(item) });
    } else if (kind === 'unique') {
      ddl.keys.push({ object: `unique key ${label} on ${name}`, sql: alter(item) });
    } else if (kind === 'index') {
      ddl.indexes.push({ object: `index ${label} on ${name}`, sql: alter(item) });
    } else {
      const ref = referencedTable(item, schema);
      ddl.foreignKeys.push({ object: `foreign key ${label} on ${name}`, sql: alter(item), referencedSchema: ref.schema, referencedTable: ref.table });
    }
  });
  const create = `CREATE TABLE ${table} (\n  ${inCreate.join(',\n  ')}\n)${parts.tail}`;
  // The keys the CREATE keeps are named in its object (an AUTO_INCREMENT column's key, a partitioned table's unique keys).
  const why = partitioned ? 'partitioned' : 'AUTO_INCREMENT';
  ddl.create.push({ object: `table ${name}${keptKeys.length ? ` with ${keptKeys.join(', ')} (${why})` : ''}`, sql: create });
  return ddl;
}

// ---- views -------------------------------------------------------------------

/**
 * A SHOW CREATE VIEW statement as the destination user runs it: no DEFINER
 * (the view belongs to whoever applies it), SQL SECURITY and ALGORITHM
 * only when not the default (INVOKER; MERGE / TEMPTABLE), the view's name
 * unqualified, the source schema's qualifier dropped from its references.
 */
export function portableView(name: string, showCreate: string, schema: string, quote: (s: string) => string): string {
  const user = `(?:${IDENT}|'(?:[^']|'')*'|[^@\\s]+)`;
  const m = new RegExp(`^CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:ALGORITHM\\s*=\\s*(\\w+)\\s+)?(?:DEFINER\\s*=\\s*${user}(?:@${user})?\\s+)?(?:SQL\\s+SECURITY\\s+(\\w+)\\s+)?VIEW\\s+(?:${IDENT}\\.)?${IDENT}\\s+AS\\s+`, 'i').exec(showCreate);
  if (!m) throw fail(`cannot read the view definition of ${name}: ${showCreate.slice(0, 200)}`);
  const algorithm = m[1] && m[1].toUpperCase() !== 'UNDEFINED' ? `ALGORITHM=${m[1].toUpperCase()} ` : '';
  const security = m[2] && m[2].toUpperCase() === 'INVOKER' ? 'SQL SECURITY INVOKER ' : '';
  // A call of the schema's own function keeps a qualifier, the destination's (SCHEMA_MARK), as the source spelled it.
  return `CREATE ${algorithm}${security}VIEW ${quote(name)} AS ${unqualify(showCreate.slice(m[0].length), schema, quote, { bare: '', quoted: '' }, SCHEMA_MARK)}`;
}

/** Views before the views that read them (each only after its dependencies; a cycle, which the server forbids, keeps source order). */
export function orderViews<T extends { name: string; dependsOn: string[] }>(views: T[]): T[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: T[] = [];
  const visit = (v: T) => {
    if (done.has(v.name) || visiting.has(v.name)) return;
    visiting.add(v.name);
    for (const d of v.dependsOn) {
      const dep = byName.get(d);
      if (dep) visit(dep);
    }
    visiting.delete(v.name);
    done.add(v.name);
    out.push(v);
  };
  for (const v of views) visit(v);
  return out;
}

// ---- operations --------------------------------------------------------------

type Row = Record<string, any>;

/** CREATE DATABASE IF NOT EXISTS, utf8mb4 unless told otherwise. */
export async function createSchema(ctx: MysqlContext, schema: string, options: { charset?: string; collation?: string } = {}): Promise<void> {
  const word = /^[A-Za-z0-9_]+$/;
  const charset = options.charset ?? 'utf8mb4';
  if (!word.test(charset) || (options.collation !== undefined && !word.test(options.collation))) {
    throw fail(`invalid character set or collation for ${schema}: ${charset} ${options.collation ?? ''}`);
  }
  await ctx.query(`CREATE DATABASE IF NOT EXISTS ${ctx.quoteIdent(schema)} CHARACTER SET ${charset}${options.collation ? ` COLLATE ${options.collation}` : ''}`);
}

/** COUNT(*) of the table, or of the rows with `after < key <= until` (the same conditions a read's range uses). */
export async function countRows(ctx: MysqlContext, table: TableRef, whole?: KeyRange): Promise<number> {
  const where: string[] = [];
  const params: unknown[] = [];
  const range = boundedRange(whole);
  if (range) {
    if (!range.key.length) throw fail('countRows with a range needs its key columns');
    const columns = await tableColumns(ctx, table);
    if (!columns.length) throw fail(`table ${table.schema}.${table.name} does not exist (or is not visible to this user)`);
    const typeOf = new Map(columns.map((c) => [c.name, c.type]));
    const types = range.key.map((k) => {
      const type = typeOf.get(k);
      if (!type) throw fail(`column ${k} does not exist in ${table.schema}.${table.name}`);
      return type;
    });
    const quoted = range.key.map(ctx.quoteIdent);
    for (const [op, values] of [['>', range.after], ['<=', range.until]] as const) {
      if (!values) continue;
      const encoded = values.map((v, i) => encodeParam(v, types[i]!, range.key[i]!));
      const cond = keysetCondition(quoted, op);
      where.push(cond.sql);
      params.push(...cond.params.map((i) => encoded[i]));
    }
  }
  const sql = `SELECT COUNT(*) AS n FROM ${ctx.table(table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  const rows = await ctx.query(sql, params);
  return Number(rows[0]!.n);
}

/**
 * The tables (and views) of `schema` as this engine's DDL. Catalog queries
 * for the whole schema at once (tables, AUTO_INCREMENT columns, triggers,
 * views, routines); SHOW CREATE TABLE / VIEW one per object, side by side
 * on the pool.
 *
 * View dependencies: MariaDB has no VIEW_TABLE_USAGE, so both engines read
 * them from information_schema.VIEWS.VIEW_DEFINITION, where the server
 * qualifies every table reference (`s`.`t`): each two-part name that is a
 * table or view of a schema (checked against the catalog, so an alias's
 * `a`.`column` is not taken for one) is a dependency, in the schema, or
 * `external` outside it; a stored function (`s`.`f`(…)) is external too
 * (routines are not carried).
 */
export async function exportDdl(ctx: MysqlContext, schema: string, options: ExportDdlOptions): Promise<NativeSchemaDdl> {
  const [objects, autoColumns, triggers, viewRows, routines] = await Promise.all([
    ctx.query(`SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?`, [schema]),
    ctx.query(
      `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS name FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = ? AND EXTRA LIKE '%auto\\_increment%'`, [schema]),
    ctx.query(
      `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS table_name, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event,
              ACTION_ORDER AS action_order, ACTION_STATEMENT AS body, SQL_MODE AS sql_mode, COLLATION_CONNECTION AS collation
       FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER`, [schema]),
    options.includeViews
      ? ctx.query(`SELECT TABLE_NAME AS name, VIEW_DEFINITION AS definition, COLLATION_CONNECTION AS collation FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, [schema])
      : Promise.resolve([] as Row[]),
    ctx.query(`SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_NAME`, [schema]),
  ]);
  const q = ctx.quoteIdent;
  const typeOf = new Map(objects.map((o) => [o.name as string, o.type as string]));
  const skipped: SkippedObject[] = [];
  const wanted = options.tables.filter((t, i, all) => all.indexOf(t) === i && typeOf.has(t));
  const baseTables: string[] = [];
  for (const t of wanted) {
    const type = typeOf.get(t);
    if (type === 'SYSTEM VERSIONED') skipped.push({ object: `history of table ${t}`, reason: 'the rows of a system-versioned table\'s history are not copied: its history starts at the copy' });
    if (type === 'BASE TABLE' || type === 'SYSTEM VERSIONED') baseTables.push(t);
    else if (type === 'VIEW') {
      if (!options.includeViews) skipped.push({ object: `view ${t}`, reason: 'a view: exported with includeViews' });
    } else skipped.push({ object: `table ${t}`, reason: `a ${type} is not a table this export carries` });
  }
  const autoOf = new Map(autoColumns.map((c) => [c.table_name as string, c.name as string]));
  // A table dropped since the catalog query is left out, like one that never was.
  const shows = await Promise.all(baseTables.map((t) => ctx.query(`SHOW CREATE TABLE ${q(schema)}.${q(t)}`).catch((err) => {
    if ((err as { errno?: number; code?: string }).errno === 1146 || /doesn't exist/.test(String((err as Error).message))) return null;
    throw err;
  })));
  const tables = baseTables.flatMap((t, i) => {
    if (!shows[i]) return [];
    const sql = shows[i]![0]?.['Create Table'] as string | undefined;
    if (!sql) throw fail(`SHOW CREATE TABLE ${schema}.${t} returned no definition`);
    if (options.flattenPartitions && isPartitioned(parseCreateTable(sql).tail)) {
      skipped.push({ object: `partitioning of ${schema}.${t}`, reason: 'flattened (--flatten-partitions): its rows are in one table' });
    }
    return [splitCreateTable(t, sql, schema, autoOf.get(t) ?? null, q, options.flattenPartitions)];
  });
  const byName = new Map(tables.map((t) => [t.name, t]));
  for (const tr of triggers) {
    const table = byName.get(tr.table_name);
    if (!table) continue;
    table.after.push({
      object: `trigger ${tr.name} on ${tr.table_name}`,
      // The body is the user's text: its references to the source schema become the destination's at applyDdl
      // (SCHEMA_MARK: a copy's trigger never writes into the source), other schemas' kept.
      sql: withCollation(withSqlMode(`CREATE TRIGGER ${q(tr.name)} ${tr.timing} ${tr.event} ON ${q(tr.table_name)} FOR EACH ROW ${unqualify(String(tr.body), schema, q, SCHEMA_MARK)}`, String(tr.sql_mode ?? '')), String(tr.collation ?? '')),
    });
  }
  // The schema's routines: with its views (a whole schema's export), else said not carried.
  const exported = options.includeViews ? await exportRoutines(ctx, schema, routines) : [];
  const carried = new Set(exported.map((r) => r.name));
  for (const r of routines) {
    if (options.includeViews && carried.has(r.name)) continue;
    const reason = options.includeViews ? 'its definition is not visible to this user (SHOW CREATE needs its DEFINER or SELECT on mysql.proc)' : 'stored routines are not carried by a table copy';
    skipped.push({ object: `${String(r.type).toLowerCase()} ${r.name}`, reason, schemaWide: true });
  }
  for (const [name, type] of typeOf) {
    if (type === 'SEQUENCE') skipped.push({ object: `sequence ${name}`, reason: 'sequences are not carried by a table copy', schemaWide: true });
  }
  const views = options.includeViews ? await exportViews(ctx, schema, viewRows, typeOf, carried) : [];
  const functions = exported.map((r) => ({ ...r, dependsOn: [], external: [] }));
  return { engine: DDL_ENGINE, serverVersion: ctx.version, prerequisites: [], tables, views, ...(options.includeViews ? { functions } : {}), skipped };
}

/**
 * The schema's stored functions and procedures as the destination user creates them: SHOW CREATE without
 * its DEFINER (the routine belongs to whoever applies it; its SQL SECURITY is kept), the body's references
 * to its own schema marked for the destination's (as a trigger's), under its own sql_mode and collation.
 * A routine whose definition this user cannot see (SHOW CREATE gives NULL) is left out.
 */
async function exportRoutines(ctx: MysqlContext, schema: string, routines: Row[]): Promise<{ object: string; sql: string; name: string }[]> {
  const q = ctx.quoteIdent;
  const shows = await Promise.all(routines.map((r) => ctx.query(`SHOW CREATE ${r.type === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE'} ${q(schema)}.${q(r.name)}`)));
  return routines.flatMap((r, i) => {
    const row = shows[i]![0];
    const kind = r.type === 'FUNCTION' ? 'Function' : 'Procedure';
    const show = row?.[`Create ${kind}`] as string | null | undefined;
    if (!show) return [];
    const sql = withCollation(withSqlMode(portableRoutine(String(r.name), show, schema, q), String(row!.sql_mode ?? '')), String(row!.collation_connection ?? ''));
    return [{ object: `${kind.toLowerCase()} ${r.name}`, sql, name: String(r.name) }];
  });
}

/** `CREATE [DEFINER=u@h] FUNCTION|PROCEDURE `name`…` without the DEFINER, the own schema's qualifiers marked (SCHEMA_MARK). */
export function portableRoutine(name: string, showCreate: string, schema: string, quote: (s: string) => string): string {
  const user = `(?:${IDENT}|'(?:[^']|'')*'|[^@\\s]+)`;
  const m = new RegExp(`^CREATE\\s+(?:DEFINER\\s*=\\s*${user}(?:@${user})?\\s+)?(?:AGGREGATE\\s+)?(FUNCTION|PROCEDURE)\\s+`, 'i').exec(showCreate);
  if (!m) throw fail(`cannot read the definition of routine ${name}: ${showCreate.slice(0, 200)}`);
  const aggregate = /\bAGGREGATE\s+(FUNCTION|PROCEDURE)\s+$/i.test(m[0]) ? 'AGGREGATE ' : '';
  return `CREATE ${aggregate}${m[1]!.toUpperCase()} ${unqualify(showCreate.slice(m[0].length), schema, quote, SCHEMA_MARK)}`;
}

async function exportViews(ctx: MysqlContext, schema: string, viewRows: Row[], typeOf: Map<string, string>, routines: Set<string>): Promise<NativeViewDdl[]> {
  if (!viewRows.length) return [];
  const q = ctx.quoteIdent;
  const refs = viewRows.map((v) => twoPartNames(String(v.definition ?? '')));
  // Two-part names outside the schema: which are tables or views there (one catalog query).
  const foreign = new Map<string, { schema: string; name: string }>();
  for (const list of refs) for (const r of list) if (!r.call && r.first !== schema) foreign.set(`${r.first}\u0000${r.second}`, { schema: r.first, name: r.second });
  const existing = new Set<string>();
  if (foreign.size) {
    const pairs = [...foreign.values()];
    const rows = await ctx.query(
      `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n FROM information_schema.TABLES WHERE (TABLE_SCHEMA, TABLE_NAME) IN (${pairs.map(() => '(?, ?)').join(', ')})`,
      pairs.flatMap((p) => [p.schema, p.name]),
    );
    for (const r of rows) existing.add(`${r.s}\u0000${r.n}`);
  }
  const shows = await Promise.all(viewRows.map((v) => ctx.query(`SHOW CREATE VIEW ${q(schema)}.${q(v.name)}`)));
  const views = viewRows.map((v, i): NativeViewDdl => {
    const dependsOn = new Set<string>();
    const external = new Set<string>();
    for (const r of refs[i]!) {
      // A call of the schema's own routine (carried with the views): a dependency, named `f()`.
      if (r.call) r.first === schema && routines.has(r.second) ? dependsOn.add(`${r.second}()`) : external.add(`${r.first}.${r.second}()`);
      else if (r.first === schema) { if (typeOf.has(r.second) && r.second !== v.name) dependsOn.add(r.second); }
      else if (existing.has(`${r.first}\u0000${r.second}`)) external.add(`${r.first}.${r.second}`);
    }
    const show = shows[i]![0]?.['Create View'] as string | undefined;
    if (!show) throw fail(`SHOW CREATE VIEW ${schema}.${v.name} returned no definition`);
    return { name: v.name, object: `view ${v.name}`, sql: withCollation(portableView(v.name, show, schema, q), String(v.collation ?? '')), dependsOn: [...dependsOn].sort(), external: [...external].sort() };
  });
  return orderViews(views);
}

/** The trigger's own sql_mode, carried as a leading comment of its CREATE TRIGGER (`applyDdl` runs it under that mode). */
const SQL_MODE_MARK = /^\/\*sluice sql_mode='([A-Za-z0-9_,]*)'\*\/\s*/;

export function withSqlMode(sql: string, mode: string): string {
  return /^[A-Za-z0-9_,]*$/.test(mode) ? `/*sluice sql_mode='${mode}'*/ ${sql}` : sql;
}

/**
 * The collation_connection a view or trigger was created under (its string literals' collation: a view's
 * column type), carried as a leading comment; `applyDdl` runs the statement under it (the client character
 * set stays the session's utf8mb4, in which the statement's text is sent).
 */
const COLLATION_MARK = /^\/\*sluice collation_connection='(\w+)'\*\/\s*/;

export function withCollation(sql: string, collation: string): string {
  return /^\w+$/.test(collation) ? `/*sluice collation_connection='${collation}'*/ ${sql}` : sql;
}

/** A foreign key statement of an export: `ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (cols) REFERENCES [s.]p (cols) …`. */
export function parseForeignKeySql(sql: string): { table: string; name: string; columns: string[]; referenced: string; referencedColumns: string[] } | null {
  const list = String.raw`\(\s*(${IDENT}(?:\s*,\s*${IDENT})*)\s*\)`;
  const m = new RegExp(String.raw`^ALTER TABLE (${IDENT}) ADD CONSTRAINT (${IDENT}) FOREIGN KEY ${list} REFERENCES (${IDENT}(?:\.${IDENT})?) ${list}`, 'i').exec(sql);
  if (!m) return null;
  const columns = (text: string) => splitTopLevel(text);
  return { table: m[1]!, name: unquote(m[2]!), columns: columns(m[3]!), referenced: m[4]!, referencedColumns: columns(m[5]!) };
}

/**
 * Sets the session's sql_mode to `mode`; a mode this server does not know (MySQL 8 removed NO_AUTO_CREATE_USER,
 * which 5.7 set by default) is left out rather than failing the statement.
 */
async function setSqlMode(c: PoolConnection, mode: string): Promise<void> {
  try {
    await c.query('SET SESSION sql_mode = ?', [mode]);
  } catch (err) {
    if ((err as { errno?: number }).errno !== 1231) throw err;
    const known: string[] = [];
    for (const m of mode.split(',').filter(Boolean)) {
      if (await c.query('SET SESSION sql_mode = ?', [m]).then(() => true, () => false)) known.push(m);
    }
    await c.query('SET SESSION sql_mode = ?', [known.join(',')]);
  }
}

/**
 * One statement of an export. A foreign key is checked by one anti-join
 * (the first orphan row fails it, named) and then added without the
 * server's own check: with foreign_key_checks on, MySQL and MariaDB add a
 * foreign key by copying the whole table (300,000 rows: 1.6 s against
 * 0.09 s for the anti-join and the in-place add).
 */
async function applyOne(c: PoolConnection, sql: string, quote: (s: string) => string): Promise<void> {
  const collation = COLLATION_MARK.exec(sql);
  if (collation) {
    await c.query('SET @sluice_collation = @@SESSION.collation_connection');
    await c.query('SET SESSION collation_connection = ?', [collation[1]!]);
    try {
      await applyOne(c, sql.slice(collation[0].length), quote);
    } finally {
      await c.query('SET SESSION collation_connection = @sluice_collation');
    }
    return;
  }
  const mode = SQL_MODE_MARK.exec(sql);
  if (mode) {
    await c.query('SET @sluice_sql_mode = @@SESSION.sql_mode');
    await setSqlMode(c, mode[1]!);
    try {
      await c.query(sql.slice(mode[0].length));
    } finally {
      await c.query('SET SESSION sql_mode = @sluice_sql_mode');
    }
    return;
  }
  const fk = parseForeignKeySql(sql);
  if (!fk || fk.columns.length !== fk.referencedColumns.length) {
    await c.query(sql);
    return;
  }
  const child = fk.columns.map((col) => `c.${col}`);
  const match = fk.referencedColumns.map((col, i) => `p.${col} = ${child[i]}`).join(' AND ');
  const [orphans] = await c.query({
    sql: `SELECT ${child.join(', ')} FROM ${fk.table} c WHERE ${child.map((col) => `${col} IS NOT NULL`).join(' AND ')}` +
      ` AND NOT EXISTS (SELECT 1 FROM ${fk.referenced} p WHERE ${match}) LIMIT 1`,
    rowsAsArray: true,
  });
  const orphan = (orphans as unknown[][])[0];
  if (orphan) {
    const values = orphan.map((v) => (Buffer.isBuffer(v) ? `X'${v.toString('hex')}'` : JSON.stringify(v))).join(', ');
    throw fail(`rows of ${fk.table} break foreign key ${quote(fk.name)}: (${fk.columns.join(', ')}) = (${values}) has no row in ${fk.referenced} (${fk.referencedColumns.join(', ')})`);
  }
  await c.query('SET SESSION foreign_key_checks = 0');
  try {
    await c.query(sql);
  } finally {
    await c.query('SET SESSION foreign_key_checks = 1');
  }
}

/** Errors that say the object a statement creates is there already: a retried step skips them. */
export function alreadyExists(err: unknown): boolean {
  const e = err as { errno?: number; message?: string; sqlMessage?: string };
  const errno = e?.errno;
  const message = String(e?.sqlMessage ?? e?.message ?? '');
  // 1050 table/view exists, 1061 duplicate key name, 1068 multiple primary key, 1826 duplicate FK (MySQL) / CHECK
  // (MariaDB) name, 1359 trigger exists, 3822 duplicate check constraint name (MySQL); MariaDB reports a duplicate
  // foreign key name as 1005 "Can't create table … (errno: 121 …)".
  // 1304: a stored routine exists.
  if (errno === 1050 || errno === 1061 || errno === 1068 || errno === 1826 || errno === 1359 || errno === 1304 || errno === 3822) return true;
  return errno === 1005 && /errno: 121\b/.test(message);
}

/**
 * Runs `statements` with `schema` as the default database, in order, on
 * one connection (sql_mode with NO_AUTO_VALUE_ON_ZERO, as every session);
 * a statement whose object exists already is skipped. A failure names the
 * statement's object.
 */
export async function applyDdl(ctx: MysqlContext, schema: string, statements: DdlStatement[], home: string | null): Promise<void> {
  if (!statements.length) return;
  await ctx.withConnection(async (c) => {
    await c.query(`USE ${ctx.quoteIdent(schema)}`);
    try {
      for (const s of statements) {
        try {
          await applyOne(c, requalify(s.sql, schema, ctx.quoteIdent), ctx.quoteIdent);
        } catch (err) {
          if (alreadyExists(err)) continue;
          const e = ctx.error(err);
          throw new ConnectorError(e.code, `creating ${s.object} in ${schema} failed: ${e.message}`, e.retryable, e.details);
        }
      }
    } finally {
      // Pooled connections keep their default database: back to the session's own.
      if (home) await c.query(`USE ${ctx.quoteIdent(home)}`).catch(() => undefined);
    }
  });
}
