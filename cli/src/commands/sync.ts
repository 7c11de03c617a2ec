import { SluiceClient, SyncPlanError, type SyncInput, type SyncMode } from '@sluice/client';
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

export function syncInput(source: string, destination: string, o: SyncCommandOptions): SyncInput {
  const mode = (o.mode ?? 'append') as SyncMode;
  if (!['append', 'upsert', 'replace'].includes(mode)) throw new UsageError('--mode must be append, upsert or replace');
  if (!o.table?.length && !o.schema) throw new UsageError('give --table SCHEMA.TABLE (repeatable) or --schema SCHEMA');
  const tables = (o.table ?? []).map((t) => {
    const dot = t.indexOf('.');
    if (dot <= 0 || dot === t.length - 1) throw new UsageError(`--table ${t}: expected SCHEMA.TABLE`);
    return { schema: t.slice(0, dot), name: t.slice(dot + 1) };
  });
  const int = (v: string | undefined, flag: string, max: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max.toLocaleString('en')}`);
    return n;
  };
  return {
    source: withPassword(connectionArg(source), 'source', o),
    destination: withPassword(connectionArg(destination), 'destination', o),
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
    batchSize: int(o.batchSize, '--batch-size', 1_000_000),
    maxParallelTables: int(o.parallel, '--parallel', 64),
  };
}

function verifyOf(v: string | undefined): SyncInput['verify'] {
  if (v === undefined) return undefined;
  if (v !== 'count' && v !== 'checksum' && v !== 'none') throw new UsageError(`--verify ${v}: expected count, checksum or none`);
  return v;
}
