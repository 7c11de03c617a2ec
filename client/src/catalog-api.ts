import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import {
  Catalog,
  type Connection,
  type CreateConnectionInput,
  type DatabaseConnection,
  type Page,
  type SchemaCacheStatus,
  type SchemaConnection,
  type UpdateConnectionInput,
} from '@sluice/catalog';
import type { TableSchema } from '@sluice/connector-sdk';
import {
  JobType,
  SearchAttributes,
  type refreshSchemaWorkflow,
} from '@sluice/workflows';
import { checkName, InvalidInputError, MAX_IDENTIFIER, MAX_NAME } from './input';
import { checkSchedule, createJobSchedule, type ScheduleSpec } from './schedules';

/** Which refresh a job or schedule runs, and on what (a connection id or configName; a database connection id). */
export type RefreshTarget =
  | { kind: 'databases'; connection: string }
  | { kind: 'schemas'; databaseConnection: string }
  | { kind: 'schema'; connection: string; schemas?: string[] };

/** A refresh target, refused before any job starts when a name is empty, too long or unknown. */
export function checkRefreshTarget(target: RefreshTarget): void {
  if (target === null || typeof target !== 'object' || !(target.kind in WORKFLOWS)) throw new InvalidInputError('kind', 'must be databases, schemas or schema');
  if (target.kind === 'schemas') checkName('databaseConnection', target.databaseConnection, MAX_NAME, false);
  else checkName('connection', target.connection, MAX_NAME, false);
  if (target.kind === 'schema' && target.schemas !== undefined) {
    if (!Array.isArray(target.schemas)) throw new InvalidInputError('schemas', 'expected an array of schema names');
    target.schemas.forEach((s, i) => checkName(`schemas[${i}]`, s, MAX_IDENTIFIER, false));
  }
}

const WORKFLOWS = { databases: 'refreshDatabasesWorkflow', schemas: 'refreshSchemasWorkflow', schema: 'refreshSchemaWorkflow' } as const;
const TYPES = { databases: JobType.REFRESH_DATABASES, schemas: JobType.REFRESH_SCHEMAS, schema: JobType.REFRESH_SCHEMA } as const;

/**
 * The catalog from a client: connections (create, get, list, update, delete
 * — refused while a job uses them, as Temporal's visibility says), database
 * and schema connections, the schema cache, and the refresh jobs that fill it.
 */
export class CatalogApi {
  private opening?: Promise<Catalog>;

  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly openCatalog: () => Promise<Catalog> = () => Catalog.open(),
  ) {}

  /** The catalog store (opened and migrated on first use). */
  store(): Promise<Catalog> {
    this.opening ??= this.openCatalog().catch((err) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  async createConnection(input: CreateConnectionInput): Promise<Connection> {
    return (await this.store()).createConnection(input);
  }

  async getConnection(idOrName: string): Promise<Connection> {
    return (await this.store()).getConnection(idOrName);
  }

  async listConnections(filter: { type?: string; offset?: number; limit?: number } = {}): Promise<Page<Connection>> {
    return (await this.store()).listConnections(filter);
  }

  /** Refused with SLC-1021 (Lerian's 409 "Job In Progress") while any job uses the connection. */
  async updateConnection(idOrName: string, patch: UpdateConnectionInput): Promise<Connection> {
    const catalog = await this.store();
    const connection = await catalog.getConnection(idOrName);
    Catalog.refuseWhileRunning(connection, await this.runningJobs(connection.id), 'update');
    return catalog.updateConnection(connection.id, patch);
  }

  /** Refused with SLC-1021 while any job uses the connection. */
  async deleteConnection(idOrName: string): Promise<Connection> {
    const catalog = await this.store();
    const connection = await catalog.getConnection(idOrName);
    Catalog.refuseWhileRunning(connection, await this.runningJobs(connection.id), 'delete');
    return catalog.deleteConnection(connection.id);
  }

  /** Ids of running jobs that use the connection (SluiceConnectionIds holds catalog ids). */
  async runningJobs(connectionId: string): Promise<string[]> {
    const ids: string[] = [];
    const query = `SluiceConnectionIds = ${JSON.stringify(connectionId)} AND ExecutionStatus = "Running"`;
    for await (const wf of this.temporal.workflow.list({ query })) ids.push(wf.workflowId);
    return ids;
  }

  async listDatabaseConnections(filter: { connection?: string; schemaConnectionId?: string; offset?: number; limit?: number } = {}): Promise<Page<DatabaseConnection>> {
    const catalog = await this.store();
    const connectionId = filter.connection ? (await catalog.getConnection(filter.connection)).id : undefined;
    return catalog.listDatabaseConnections({ connectionId, schemaConnectionId: filter.schemaConnectionId, offset: filter.offset, limit: filter.limit });
  }

  async getDatabaseConnection(id: string): Promise<DatabaseConnection> {
    return (await this.store()).getDatabaseConnection(id);
  }

  async listSchemaConnections(filter: { databaseConnectionId?: string; schemaId?: string; offset?: number; limit?: number } = {}): Promise<Page<SchemaConnection>> {
    return (await this.store()).listSchemaConnections(filter);
  }

  async getSchemaConnection(id: string): Promise<SchemaConnection> {
    return (await this.store()).getSchemaConnection(id);
  }

  /** Polytomic's schema status: cache_status refreshing / fresh / cached (or empty), last refresh started / finished. */
  async schemaStatus(connection: string): Promise<SchemaCacheStatus> {
    return (await this.store()).schemaStatusOf(connection);
  }

  async cachedSchema(connection: string, filter: { schema?: string; offset?: number; limit?: number } = {}): Promise<TableSchema[]> {
    const catalog = await this.store();
    return catalog.cachedTables((await catalog.getConnection(connection)).id, filter);
  }

  /**
   * Starts a refresh job and returns its id. One refresh of a kind runs per
   * target at a time: asking again while it runs answers the running job.
   */
  async startRefresh(target: RefreshTarget): Promise<string> {
    return (await this.startRefreshRun(target)).jobId;
  }

  /** As `startRefresh`, with the run's id too (a UUID: the REST API's Collibra job id); the running job's when one runs. */
  async startRefreshRun(target: RefreshTarget): Promise<{ jobId: string; runId: string }> {
    checkRefreshTarget(target);
    const { args, connectionId, key } = await this.resolveTarget(target);
    const handle = await this.temporal.workflow.start(WORKFLOWS[target.kind] as unknown as typeof refreshSchemaWorkflow, {
      taskQueue: this.taskQueue,
      workflowId: `refresh-${target.kind}-${key}`,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      args: args as never,
      typedSearchAttributes: [
        { key: SearchAttributes.jobType, value: TYPES[target.kind] },
        { key: SearchAttributes.connectionIds, value: [connectionId] },
      ],
      staticSummary: `Refresh ${target.kind} of ${key}`,
    });
    return { jobId: handle.workflowId, runId: handle.firstExecutionRunId };
  }

  /** A cron-scheduled refresh (Temporal Schedule, overlap SKIP), like scheduled syncs. */
  async createRefreshSchedule(id: string, target: RefreshTarget, spec: ScheduleSpec): Promise<void> {
    checkSchedule(id, spec);
    checkRefreshTarget(target);
    const { args, connectionId, key } = await this.resolveTarget(target);
    await createJobSchedule(
      this.temporal,
      this.taskQueue,
      id,
      { workflowType: WORKFLOWS[target.kind], workflowId: `refresh-${target.kind}-${key}-scheduled-${id}`, args, jobType: TYPES[target.kind], connectionIds: [connectionId], note: `sluice refresh ${target.kind}` },
      spec,
    );
  }

  /** Workflows carry ids only: names become ids here, and unknown ones fail before any job starts. */
  private async resolveTarget(target: RefreshTarget): Promise<{ args: unknown[]; connectionId: string; key: string }> {
    const catalog = await this.store();
    if (target.kind === 'schemas') {
      const database = await catalog.getDatabaseConnection(target.databaseConnection);
      return { args: [{ databaseConnectionId: database.id }], connectionId: database.connectionId, key: database.id };
    }
    const connection = await catalog.getConnection(target.connection);
    const args = target.kind === 'schema' ? [{ connectionId: connection.id, ...(target.schemas?.length ? { schemas: target.schemas } : {}) }] : [{ connectionId: connection.id }];
    return { args, connectionId: connection.id, key: connection.id };
  }

  async close(): Promise<void> {
    if (this.opening) await (await this.opening.catch(() => undefined))?.close();
  }
}
