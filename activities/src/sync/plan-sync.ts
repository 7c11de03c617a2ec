import { ConnectorError, readKeyOf, TestCode, type CapabilityName, type TableSchema } from '@sluice/connector-sdk';
import type { SchemaObjectOutcome, SyncInput, SyncPlan, SyncTableOptions, SyncTableSelection, TablePlan } from '@sluice/workflows';
import type { ConnectionResolver } from '../connections';
import { unsupported, withSessions, type OpenedConnection } from '../sessions';
import { keyRanges } from './key-ranges';

/**
 * A lane per 128 MiB of a table, as per 500k rows: a 1M-row table of ~600 B rows is copied in 4 lanes,
 * as a 10M-row one is, so a worker holds the same pages at both sizes (and the wide table's copy ran
 * 13-21% faster than in 2 lanes); a 1M-row narrow one stays in 2, as its short job favours.
 */
const SPLIT_BYTES = 128 << 20;

/**
 * Rows are read in key order and resumed from the last committed key: a table without a primary key
 * or NOT NULL unique key cannot be copied exactly across retries (a retry could not tell which rows
 * it already wrote), so it is not copied: named alone it is refused, in a whole schema it is skipped
 * and reported.
 */
const KEYLESS = 'no primary key or NOT NULL unique key to read resumably in key order: add one (or a NOT NULL unique column) to copy it';

/** What each sync option needs from the destination, by its Syntho name. */
const NEEDS: { asked: (i: SyncInput, modes: Set<string>) => boolean; capability: CapabilityName; why: string }[] = [
  { asked: (i) => !!i.createTables, capability: 'SCHEMA_MANAGEMENT', why: '--create-tables' },
  { asked: (_i, modes) => modes.has('replace'), capability: 'SCHEMA_MANAGEMENT', why: 'mode replace (staging table and swap)' },
  { asked: (i) => !!i.disableTriggers, capability: 'TRIGGER_MANAGEMENT', why: 'disable triggers' },
  { asked: (i) => !!i.disableForeignKeys, capability: 'FOREIGN_KEY_MANAGEMENT', why: 'disable foreign keys' },
  { asked: (i) => !!i.rebuildIndexes, capability: 'INDEX_MANAGEMENT', why: 'drop and rebuild indexes' },
  { asked: (i) => !!i.identityInsert, capability: 'IDENTITY_WRITING', why: '--identity-insert' },
];

/** Resolves the tables and negotiates capabilities; nothing is written. */
export async function planSync(connections: ConnectionResolver, input: SyncInput): Promise<SyncPlan> {
  return withSessions(connections, [input.source, input.destination], async (src, dst) => {
    const selections = await selectTables(input, src.session);
    const modes = new Set(selections.map((s) => s.mode ?? input.mode ?? 'append'));
    const declared = dst.plugin.capabilities;
    const missing: string[] = [];
    if (modes.has('upsert') && !declared.idempotentWriting) missing.push('IDEMPOTENT_WRITING (mode upsert)');
    if (input.highPerformance === true && !declared.highPerformanceWriting) missing.push('HIGH_PERFORMANCE_WRITING (--high-performance)');
    for (const need of NEEDS) {
      if (need.asked(input, modes) && !declared.capabilities[need.capability]) missing.push(`${need.capability} (${need.why})`);
    }
    if (input.verify === 'checksum' && (!src.session.checksum || !dst.session.checksum || !(await sameEngine(src, dst)))) {
      missing.push(`an engine-side checksum on both sides (--verify checksum compares servers of the same engine: ${src.plugin.type} → ${dst.plugin.type}; use --verify count)`);
    }
    if (missing.length) {
      throw unsupported(
        'UNSUPPORTED_CAPABILITY',
        `Destination connector ${dst.plugin.type} does not support: ${missing.join(', ')}`,
        { missing },
      );
    }

    const destinationSchema = input.destinationSchema ?? dst.session.defaultSchema;
    // Only the selected tables, each catalog read side by side (a cold server process makes each ~20 ms).
    const bySchema = new Map<string, string[]>();
    for (const sel of selections) bySchema.set(sel.schema, [...(bySchema.get(sel.schema) ?? []), sel.name]);
    const [destinationList, ...sourceLists] = await Promise.all([
      dst.session.introspect(destinationSchema, { includeViews: false, tables: selections.map((s) => s.destinationName ?? s.name) }).catch((err) => {
        // A destination database that does not exist yet (MySQL: the URL's): --create-tables makes it first.
        if (input.createTables && err instanceof ConnectorError && err.code === TestCode.DATABASE_NOT_FOUND) return [];
        throw err;
      }),
      ...[...bySchema].map(([schema, names]) => src.session.introspect(schema, { includeViews: true, tables: names })),
    ]);
    const destinationTables = new Map(destinationList!.map((t) => [t.name, t]));
    const sourceTables = new Map<string, TableSchema[]>([...bySchema.keys()].map((schema, i) => [schema, sourceLists[i]!]));
    const tables: TablePlan[] = [];
    const skipped: SchemaObjectOutcome[] = [];
    for (const sel of selections) {
      const table = sourceTables.get(sel.schema)!.find((t) => t.name === sel.name);
      if (!table) throw unsupported('TABLE_NOT_FOUND', `Source table ${sel.schema}.${sel.name} does not exist`);
      const mode = sel.mode ?? input.mode ?? 'append';
      const key = readKeyOf(table);
      if (!key && !input.tables?.length) {
        // A whole schema: the keyless table is reported, the others are copied.
        skipped.push({ object: `table ${sel.schema}.${sel.name}`, table: `${sel.schema}.${sel.name}`, reason: KEYLESS });
        continue;
      }
      if (!key) throw unsupported('NO_KEY', `Source table ${sel.schema}.${sel.name}: ${KEYLESS}`);
      const cursorColumn = sel.cursorColumn ?? input.cursorColumn ?? null;
      if (cursorColumn && !table.columns.some((c) => c.name === cursorColumn)) {
        throw unsupported('NO_SUCH_COLUMN', `Cursor column ${cursorColumn} is not a column of ${sel.schema}.${sel.name}`);
      }
      const renamed = sel.destinationName ? null : fittedName(dst.session, sel.name);
      const destinationName = sel.destinationName ?? renamed ?? sel.name;
      const existing = destinationTables.get(destinationName);
      if (!existing && !input.createTables) {
        throw unsupported('TABLE_NOT_FOUND', `Destination table ${destinationSchema}.${destinationName} does not exist: create it, or pass --create-tables`);
      }
      const identity = existing?.columns.find((c) => c.identity && table.columns.some((s) => s.name === c.name));
      if (identity && !input.identityInsert) {
        throw unsupported(
          'IDENTITY_COLUMN',
          `Destination column ${identity.name} of ${destinationSchema}.${destinationName} is an identity / auto-increment column: ` +
            'pass --identity-insert (API: identityInsert: true) to copy the source values into it (IDENTITY_WRITING)',
          { column: identity.name, table: `${destinationSchema}.${destinationName}` },
        );
      }
      if (mode === 'upsert' && existing && !readKeyOf(existing)) {
        throw unsupported('NO_KEY', `Upsert into ${destinationSchema}.${destinationName} needs a primary or unique key on it (IDEMPOTENT_WRITING is PARTIAL)`);
      }
      tables.push({
        source: { schema: sel.schema, name: sel.name },
        destination: { schema: destinationSchema, name: destinationName },
        columns: table.columns.map((c) => c.name),
        key,
        mode,
        cursorColumn,
        createTable: !existing,
        ...(renamed ? { warnings: [`table renamed ${sel.name} → ${renamed}: too long a name for ${dst.plugin.type}`] } : {}),
        rowEstimate: table.rowEstimate,
        ranges: await keyRanges(src.session, table, key, {
          splitRows: input.splitRows ?? 500_000,
          splitBytes: input.splitBytes ?? SPLIT_BYTES,
          maxRanges: input.maxRangesPerTable ?? 4,
          incremental: !!cursorColumn && !input.fullRefresh && mode !== 'replace',
        }),
      });
    }
    const options: SyncTableOptions = {
      highPerformance: input.highPerformance ?? declared.highPerformanceWriting,
      disableTriggers: !!input.disableTriggers,
      disableForeignKeys: !!input.disableForeignKeys,
      rebuildIndexes: !!input.rebuildIndexes,
      identityInsert: !!input.identityInsert,
      // A table the job creates gets the source's key values (that is what a copy means).
      identityInsertCreated: input.identityInsert !== false,
      nativeDdl: !!input.createTables && (await nativeDdlBetween(src, dst)),
      verify: input.verify ?? 'count',
      // Zero dates stay as they are between MySQL/MariaDB servers; elsewhere they have no counterpart.
      zeroDates: src.plugin.type === dst.plugin.type ? 'keep' : (input.zeroDates ?? 'error'),
      ...(input.flattenPartitions ? { flattenPartitions: true } : {}),
      fullRefresh: !!input.fullRefresh,
      batchSize: input.batchSize ?? 10_000,
      batchBytes: input.batchSize === undefined ? 4 << 20 : undefined,
      fencedCheckpoints: dst.plugin.checkpointFencing === true,
    };
    if (!tables.length) throw unsupported('EMPTY_SELECTION', `Nothing to copy: ${skipped.map((x) => `${x.object} (${x.reason})`).join('; ')}`, { skipped });
    return { tables, options, ...(skipped.length ? { skipped } : {}) };
  });
}

async function selectTables(input: SyncInput, source: { introspect: (s: string) => Promise<TableSchema[]> }): Promise<SyncTableSelection[]> {
  if (input.tables?.length) return input.tables;
  if (!input.schema) throw unsupported('INVALID_REQUEST', 'Give tables (schema.table …) or a whole schema to sync');
  const tables = (await source.introspect(input.schema)).filter((t) => t.kind === 'table');
  if (!tables.length) {
    // A nightly schedule over an empty or misspelled schema must not "succeed" forever.
    throw unsupported('EMPTY_SELECTION', `Source schema ${input.schema} has no tables (does it exist, and may this user see it?)`, { schema: input.schema });
  }
  return tables.map((t) => ({ schema: t.schema, name: t.name }));
}

/**
 * A name the destination cannot take (PostgreSQL: 63 bytes; MySQL allows 64 characters), shortened
 * at a character boundary with a hash of the whole name, so two long names stay apart. Null: it fits.
 */
export function fittedName(session: { quoteIdent: (name: string) => string }, name: string): string | null {
  try {
    session.quoteIdent(name);
    return null;
  } catch {
    let hash = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
    const suffix = `_${(hash >>> 0).toString(36).padStart(7, '0')}`;
    for (let keep = name.length - 1; keep > 0; keep--) {
      const candidate = name.slice(0, keep) + suffix;
      try {
        session.quoteIdent(candidate);
        return candidate;
      } catch {
        // still too long
      }
    }
    return null;
  }
}

/**
 * Created tables are built from the source's own DDL when both sides are the same connector type
 * and the destination server is the same product (MariaDB is not MySQL) of the same or a newer
 * version; otherwise from canonical types.
 */
async function nativeDdlBetween(src: OpenedConnection, dst: OpenedConnection): Promise<boolean> {
  return Boolean(src.session.exportDdl && dst.session.applyDdl) && (await sameEngine(src, dst));
}

/** The same connector type and server product (MariaDB is not MySQL), the destination not older. */
async function sameEngine(src: OpenedConnection, dst: OpenedConnection): Promise<boolean> {
  if (src.plugin.type !== dst.plugin.type) return false;
  const [from, to] = await Promise.all([src.session.serverVersion(), dst.session.serverVersion()]);
  return sameProductNotOlder(from, to);
}

export function sameProductNotOlder(from: string, to: string): boolean {
  const product = (v: string) => (/mariadb/i.test(v) ? 'mariadb' : 'other');
  if (product(from) !== product(to)) return false;
  const numbers = (v: string) => (/(\d+)\.(\d+)(?:\.(\d+))?/.exec(v) ?? []).slice(1).map((n) => Number(n ?? 0));
  const [a, b] = [numbers(from), numbers(to)];
  for (let i = 0; i < 3; i++) {
    if ((b[i] ?? 0) !== (a[i] ?? 0)) return (b[i] ?? 0) > (a[i] ?? 0);
  }
  return true;
}
