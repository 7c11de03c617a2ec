import { MAX_LIMIT } from '@sluice/catalog';
import { Catalog, CatalogError, checkRefreshTarget, checkSchedule, type Connection, type CreateConnectionInput, type RefreshTarget, SluiceClient, temporalConnectionOptions, type RefreshJob } from '@sluice/client';
import { loadConnectors } from '@sluice/worker';
import { UsageError } from '../connection-arg';
import { readJsonObject } from '../json-file';
import { asUsage, wholeNumber } from '../options';
import { SCHEDULE_OPTIONS } from './schedule';
import { resolveTemporalTarget } from '../embedded';
import { printJson } from '../output';
import { isListening } from '../ports';
import { exitCodeOf } from '../wait-job';

/** The catalog, checking engine configs with the installed connectors' schemas. */
function openCatalog(): Promise<Catalog> {
  const { registry } = loadConnectors();
  return Catalog.open({ validateConfig: (config) => void registry.resolve({ config: config as { connector_type: string } }) });
}

/** Runs a catalog command; a catalog refusal prints its Lerian error (code, title, message) and exits 1. */
export async function catalogCommand(json: boolean | undefined, fn: () => Promise<unknown>): Promise<number> {
  try {
    const result = await fn();
    if (json) printJson(result);
    else if (result !== undefined) process.stdout.write(render(result) + '\n');
    return 0;
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    if (json) printJson(err.toJSON());
    process.stderr.write(`sluice: ${err.code} ${err.title}: ${err.message}\n`);
    return 1;
  }
}

export async function withCatalog<T>(fn: (catalog: Catalog) => Promise<T>): Promise<T> {
  const catalog = await openCatalog();
  try {
    return await fn(catalog);
  } finally {
    await catalog.close();
  }
}

/**
 * Update and delete ask Temporal whether any job uses the connection. With no
 * server configured or running, no job can be using it: the catalog alone answers.
 */
async function withGuardedCatalog<T>(fn: (api: { update: Catalog['updateConnection']; remove: Catalog['deleteConnection'] }) => Promise<T>): Promise<T> {
  const settings = temporalConnectionOptions();
  const configured = Boolean(process.env.TEMPORAL_ADDRESS?.trim()) || (await isListening('127.0.0.1', 7233));
  if (!configured) return withCatalog((c) => fn({ update: (id, patch) => c.updateConnection(id, patch), remove: (id) => c.deleteConnection(id) }));
  const client = await SluiceClient.connect({ temporal: settings, openCatalog });
  try {
    return await fn({ update: (id, patch) => client.catalog.updateConnection(id, patch), remove: (id) => client.catalog.deleteConnection(id) });
  } finally {
    await client.close();
  }
}

function metadataOf(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs?.length) return undefined;
  return Object.fromEntries(
    pairs.map((p) => {
      const i = p.indexOf('=');
      if (i <= 0) throw new UsageError(`--metadata '${p}' must be key=value`);
      return [p.slice(0, i), p.slice(i + 1)];
    }),
  );
}

/** A file holding a Syntho config (has connector_type) or Lerian's connection fields. */
function fromFile(path: string): Partial<CreateConnectionInput> {
  const body = readJsonObject(path, '--config', 'a connection object (a Syntho config with connector_type, or Lerian fields)');
  return 'connector_type' in body ? { config: body as CreateConnectionInput['config'] } : (body as Partial<CreateConnectionInput>);
}

export interface ConnectionOptions {
  json?: boolean;
  config?: string;
  url?: string;
  name?: string;
  metadata?: string[];
  passwordEnv?: string;
}

export function connectionAddCommand(name: string, url: string | undefined, o: ConnectionOptions): Promise<number> {
  return catalogCommand(o.json, () => {
    if (!url && !o.config) throw new UsageError('give a connection URL or --config <file.json>');
    const input: CreateConnectionInput = { configName: name, ...(url ? { url } : fromFile(o.config!)), ...(o.metadata ? { metadata: metadataOf(o.metadata) } : {}) };
    if (o.passwordEnv) input.password = passwordFrom(o.passwordEnv);
    return withCatalog((c) => c.createConnection(input));
  });
}

export function connectionUpdateCommand(connection: string, o: ConnectionOptions): Promise<number> {
  return catalogCommand(o.json, () => {
    const patch = {
      ...(o.config ? fromFile(o.config) : {}),
      ...(o.url ? { url: o.url } : {}),
      ...(o.name ? { configName: o.name } : {}),
      ...(o.metadata ? { metadata: metadataOf(o.metadata) } : {}),
      ...(o.passwordEnv ? { password: passwordFrom(o.passwordEnv) } : {}),
    };
    if (!Object.keys(patch).length) throw new UsageError('nothing to update: give --url, --config, --name, --metadata or --password-env');
    return withGuardedCatalog((api) => api.update(connection, patch));
  });
}

export function connectionRemoveCommand(connection: string, o: { json?: boolean }): Promise<number> {
  return catalogCommand(o.json, () => withGuardedCatalog((api) => api.remove(connection)));
}

export function connectionShowCommand(connection: string, o: { json?: boolean }): Promise<number> {
  return catalogCommand(o.json, () => withCatalog((c) => c.getConnection(connection)));
}

export function connectionListCommand(o: { json?: boolean; type?: string; offset?: string; limit?: string }): Promise<number> {
  const page = paging(o);
  return catalogCommand(o.json, () => withCatalog((c) => c.listConnections({ type: o.type, ...page })));
}

export function databaseConnectionsCommand(o: { json?: boolean; connection?: string; schemaConnection?: string; offset?: string; limit?: string }): Promise<number> {
  const page = paging(o);
  return catalogCommand(o.json, () =>
    withCatalog(async (c) => {
      const connectionId = o.connection ? (await c.getConnection(o.connection)).id : undefined;
      return c.listDatabaseConnections({ connectionId, schemaConnectionId: o.schemaConnection, ...page });
    }),
  );
}

export function schemaConnectionsCommand(o: { json?: boolean; databaseConnection?: string; schemaId?: string; offset?: string; limit?: string }): Promise<number> {
  const page = paging(o);
  return catalogCommand(o.json, () => withCatalog((c) => c.listSchemaConnections({ databaseConnectionId: o.databaseConnection, schemaId: o.schemaId, ...page })));
}

export function schemaStatusCommand(connection: string, o: { json?: boolean }): Promise<number> {
  return catalogCommand(o.json, () => withCatalog(async (c) => c.schemaStatus((await c.getConnection(connection)).id)));
}

export function schemaShowCommand(connection: string, o: { json?: boolean; schema?: string; table?: string }): Promise<number> {
  return catalogCommand(o.json, () =>
    withCatalog(async (c) => {
      const tables = await c.cachedTables((await c.getConnection(connection)).id, { schema: o.schema });
      const chosen = o.table ? tables.filter((t) => t.name === o.table) : tables;
      if (o.json) return chosen;
      return chosen.map((t) => `${t.schema}.${t.name} (${t.kind}): ${t.columns.map((col) => `${col.name} ${col.nativeType}${col.nullable ? '' : ' not null'}`).join(', ')}${t.primaryKey ? `; primary key (${t.primaryKey.join(', ')})` : ''}${t.foreignKeys.length ? `; ${t.foreignKeys.length} foreign key(s)` : ''}`).join('\n');
    }),
  );
}

/** The CLI's names for a refresh target's fields. */
const REFRESH_OPTIONS: Record<string, string> = { connection: '<connection>', databaseConnection: '<database-connection>', schemas: '--schema' };

/** `sluice refresh databases|schemas|schema`: runs the refresh job (embedded Temporal if none) and waits for it. */
export async function refreshCommand(target: RefreshTarget, o: { json?: boolean; detach?: boolean; schedule?: string; cron?: string; timezone?: string }): Promise<number> {
  if ((o.schedule !== undefined) !== (o.cron !== undefined)) throw new UsageError('--schedule <name> and --cron <expression> go together');
  if (o.timezone !== undefined && o.schedule === undefined) throw new UsageError('--timezone applies to a schedule: give it with --schedule <name> --cron <expression>');
  if (o.schedule !== undefined) asUsage({ ...SCHEDULE_OPTIONS, id: '--schedule' }, () => checkSchedule(o.schedule!, { cron: o.cron!, timezone: o.timezone }));
  asUsage(REFRESH_OPTIONS, () => checkRefreshTarget(target));
  const temporal = await resolveTemporalTarget();
  try {
    const client = await SluiceClient.connect({ temporal: temporal.settings, openCatalog });
    try {
      if (o.schedule) {
        // A schedule needs a server that outlives this command.
        if (temporal.embedded) throw new UsageError('--schedule needs a running Temporal (TEMPORAL_ADDRESS or `sluice dev`), not an embedded one');
        return await catalogCommand(o.json, async () => {
          await client.catalog.createRefreshSchedule(o.schedule!, target, { cron: o.cron!, timezone: o.timezone });
          return o.json ? { schedule: o.schedule, cron: o.cron } : `schedule ${o.schedule}: refresh ${target.kind}, cron ${o.cron}`;
        });
      }
      let id: string;
      try {
        id = await client.catalog.startRefresh(target);
      } catch (err) {
        return catalogCommand(o.json, () => Promise.reject(err));
      }
      if (o.detach) {
        process.stdout.write(o.json ? JSON.stringify({ id }) + '\n' : id + '\n');
        return 0;
      }
      const job = await client.waitForJob<RefreshJob>(id);
      if (o.json) printJson(job);
      else process.stdout.write(`${job.id}: ${job.state}${job.message ? ` — ${job.message}` : ''}\n`);
      return exitCodeOf(job);
    } finally {
      await client.close();
    }
  } finally {
    await temporal.close();
  }
}

/** A password from an environment variable, so it never sits on a command line. */
function passwordFrom(variable: string): string {
  const value = process.env[variable];
  if (value === undefined) throw new UsageError(`--password-env ${variable}: the variable is not set`);
  return value;
}

/** --offset and --limit of the list commands, refused at the door (the catalog's own bounds). */
const paging = (o: { offset?: string; limit?: string }) => ({ offset: wholeNumber(o.offset, '--offset', 0, 1_000_000_000), limit: wholeNumber(o.limit, '--limit', 1, MAX_LIMIT) });

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const page = value as { results?: unknown[]; total?: number; offset?: number };
  if (Array.isArray(page.results)) {
    const lines = page.results.map((r) => line(r as Record<string, unknown>));
    return [...lines, `(${page.results.length} of ${page.total}, from ${page.offset})`].join('\n');
  }
  return JSON.stringify(value, null, 2);
}

function line(r: Record<string, unknown>): string {
  if ('configName' in r) {
    const c = r as unknown as Connection;
    return `${c.id}  ${c.configName}  ${c.type}  ${c.userName ?? ''}@${c.host ?? ''}:${c.port ?? ''}/${c.databaseName ?? ''}`;
  }
  const link = 'databaseId' in r ? r.databaseId : r.schemaId;
  return `${String(r.id)}  ${String(r.name)}${link ? '' : '  (deleted in the source)'}`;
}
