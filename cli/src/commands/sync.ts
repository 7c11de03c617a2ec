import { checkSyncInput, SluiceClient, SyncPlanError, SYNC_LIMITS, type SyncInput, type SyncMode } from '@sluice/client';
import { loadConnectors } from '@sluice/worker';
import { asUsage, wholeNumber } from '../options';
import { connectionArg, UsageError } from '../connection-arg';
import { withPassword, type PasswordOptions } from '../passwords';
import { resolveTemporalTarget } from '../embedded';
import { printJson } from '../output';
import { waitAndReport } from '../wait-job';

export interface SyncCommandOptions extends PasswordOptions {
  table?: string[];
  schema?: string;
  destinationSchema?: string;
  mode?: string;
  createTables?: boolean;
  flattenPartitions?: boolean;
  cursorColumn?: string;
  fullRefresh?: boolean;
  highPerformance?: boolean;
  disableTriggers?: boolean;
  disableForeignKeys?: boolean;
  rebuildIndexes?: boolean;
  identityInsert?: boolean;
  verify?: string;
  zeroDates?: string;
  batchSize?: string;
  parallel?: string;
  json?: boolean;
  detach?: boolean;
}

/** `sluice sync <source> <destination>`: starts a SYNC job and waits for it (or --detach). */
export async function syncCommand(source: string, destination: string, o: SyncCommandOptions): Promise<number> {
  const input = syncInput(source, destination, o);
  const target = await resolveTemporalTarget();
  if (o.detach && target.embedded) {
    await target.close();
    throw new UsageError('--detach needs a Temporal server that outlives this command: start `sluice dev` or set TEMPORAL_ADDRESS');
  }
  try {
    const client = await SluiceClient.connect({ temporal: target.settings });
    try {
      const id = await client.startSync(input);
      // The selection is resolved before the job counts as started: a wrong request is a usage error.
      try {
        await client.waitForPlan(id);
      } catch (err) {
        if (!(err instanceof SyncPlanError)) throw err;
        if (o.json) printJson(await client.getJob(id));
        throw new UsageError(`${err.message} [${err.code}] (job ${id})`);
        throw err;
      }
      if (o.detach) {
        process.stdout.write(id + '\n');
        return 0;
      }
      process.stderr.write(`sluice: job ${id} started\n`);
      return await waitAndReport(client, id, o);
    } finally {
      await client.close();
    }
  } finally {
    await target.close();
  }
}

/** The CLI option behind each SyncInput field, for errors. */
const SYNC_OPTIONS: Record<string, string> = {
  source: '<source>',
  destination: '<destination>',
  tables: '--table',
  schema: '--schema',
  destinationSchema: '--destination-schema',
  cursorColumn: '--cursor-column',
  mode: '--mode',
  verify: '--verify',
  zeroDates: '--zero-dates',
  batchSize: '--batch-size',
  maxParallelTables: '--parallel',
};

/**
 * The SYNC a command line asks for, checked as the client checks it (with the installed
 * connectors' config schemas) before anything connects: a refusal names the option.
 */
export function syncInput(source: string, destination: string, o: SyncCommandOptions): SyncInput {
  const mode = (o.mode ?? 'append') as SyncMode;
  if (!['append', 'upsert', 'replace'].includes(mode)) throw new UsageError('--mode must be append, upsert or replace');
  if (!o.table?.length && o.schema === undefined) throw new UsageError('give --table SCHEMA.TABLE (repeatable) or --schema SCHEMA');
  const tables = (o.table ?? []).map((t) => {
    const dot = t.indexOf('.');
    if (dot <= 0 || dot === t.length - 1) throw new UsageError(`--table ${t}: expected SCHEMA.TABLE`);
    return { schema: t.slice(0, dot), name: t.slice(dot + 1) };
  });
  const input: SyncInput = {
    source: withPassword(connectionArg(source, '<source>'), 'source', o),
    destination: withPassword(connectionArg(destination, '<destination>'), 'destination', o),
    tables: tables.length ? tables : undefined,
    schema: o.schema,
    destinationSchema: o.destinationSchema,
    mode,
    cursorColumn: o.cursorColumn,
    fullRefresh: o.fullRefresh,
    createTables: o.createTables,
    flattenPartitions: o.flattenPartitions,
    highPerformance: o.highPerformance,
    disableTriggers: o.disableTriggers,
    disableForeignKeys: o.disableForeignKeys,
    rebuildIndexes: o.rebuildIndexes,
    identityInsert: o.identityInsert,
    verify: verifyOf(o.verify),
    zeroDates: o.zeroDates as SyncInput['zeroDates'],
    batchSize: wholeNumber(o.batchSize, '--batch-size', SYNC_LIMITS.batchSize.min, SYNC_LIMITS.batchSize.max),
    maxParallelTables: wholeNumber(o.parallel, '--parallel', SYNC_LIMITS.maxParallelTables.min, SYNC_LIMITS.maxParallelTables.max),
  };
  asUsage(SYNC_OPTIONS, () => checkSyncInput(input, loadConnectors().registry));
  return input;
}

function verifyOf(v: string | undefined): SyncInput['verify'] {
  if (v === undefined) return undefined;
  if (v !== 'count' && v !== 'checksum' && v !== 'none') throw new UsageError(`--verify ${v}: expected count, checksum or none`);
  return v;
}
