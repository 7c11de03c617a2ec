import { ApplicationFailure, type DataConverter } from '@temporalio/common';
import { Client, Connection, WorkflowFailedError, type ConnectionOptions, type WorkflowExecutionDescription } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { sluiceDataConverter } from '@sluice/codec';
import {
  DEFAULT_TASK_QUEUE,
  JOB_QUERY,
  JobType,
  SearchAttributes,
  type ApplicationMessage,
  type ConnectionSpec,
  type Job,
  type JobState,
  type SyncInput,
  type SyncJob,
  type syncWorkflow,
  type testConnectionWorkflow,
} from '@sluice/workflows';
import { connectionKey, connectionKeys, describeConnection, engineOf, jobId } from './job-ids';
import { jobFromDescription, jobStateOf } from './job-state';
import { syncRate } from './job-rate';
import { waitingMessage } from './waiting';
import { loadSecretKeys, opaqueId, opaqueIds, sealSpec, type Catalog } from '@sluice/catalog';
import type { CodecKeys } from '@sluice/codec';
import { CatalogApi } from './catalog-api';
import { explainTemporalConnectError, temporalConnectionOptions, type TemporalConnectionSettings } from './temporal-config';
import { checkSchedule, createSyncSchedule, describeSchedule, listSchedules, type ScheduleSpec, type ScheduleSummary } from './schedules';
import { applicationMessage, loadConnectors, TestCode, type ConnectorRegistry } from '@sluice/connector-sdk';
import { checkConnectionSpec, checkJobFilter, checkJobId, checkSyncInput, InvalidConnectionError, InvalidInputError } from './input';

/** How long the `job` query may wait for a worker's answer before the server's record stands in. */
const QUERY_DEADLINE_MS = 5_000;
const TERMINAL = new Set<JobState>(['COMPLETED', 'CANCELED', 'ERROR']);

/** Workflow statuses behind each Job state (CANCELING is a running workflow: it lists as RUNNING). */
const STATUSES: Record<JobState, string[]> = {
  WAITING: ['Running'],
  RUNNING: ['Running'],
  CANCELING: ['Running'],
  COMPLETED: ['Completed'],
  CANCELED: ['Canceled'],
  ERROR: ['Failed', 'Terminated', 'TimedOut'],
};

/** A string literal of Temporal's list-filter language. */
const quote = (value: string) => JSON.stringify(value);

/** A `listJobsPage` cursor this client did not issue for this filter. */
export class JobCursorError extends Error {
  override readonly name = 'JobCursorError';
}

export interface JobFilter {
  type?: JobType;
  state?: JobState;
  running?: boolean;
  connection?: ConnectionSpec;
}

/** Temporal's WorkflowExecutionStatus numbers, by the names `jobStateOf` reads. */
const EXECUTION_STATUS: Record<number, WorkflowExecutionDescription['status']['name']> = {
  1: 'RUNNING',
  2: 'COMPLETED',
  3: 'FAILED',
  4: 'CANCELLED',
  5: 'TERMINATED',
  6: 'CONTINUED_AS_NEW',
  7: 'TIMED_OUT',
};

function timestampOf(ts: { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined): string | null {
  if (!ts || ts.seconds == null) return null;
  return new Date(Number(ts.seconds.toString()) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

/** A line of `listJobs`: what visibility knows without asking the workflow. */
export interface JobSummary {
  id: string;
  type: JobType;
  state: JobState;
  startDate: string;
  endDate: string | null;
}

function describeSync(input: SyncInput): string {
  const tables = input.tables?.length ? input.tables.map((t) => `${t.schema}.${t.name}`).join(', ') : `schema ${input.schema}`;
  const flags = [input.createTables && 'create tables', input.cursorColumn && `incremental on ${input.cursorColumn}`, input.fullRefresh && 'full refresh']
    .filter(Boolean)
    .join(', ');
  return `Tables: ${tables}\nMode: ${input.mode ?? 'append'}${flags ? `\nOptions: ${flags}` : ''}`;
}

export interface SluiceClientOptions {
  /**
   * Where Temporal is and how to reach it (address, namespace, TLS, API key).
   * Default: `temporalConnectionOptions()`, the TEMPORAL_* variables every Sluice process reads.
   */
  temporal?: TemporalConnectionSettings;
  /** Overrides the address of `temporal` (TEMPORAL_ADDRESS, else localhost:7233). */
  address?: string;
  /** Overrides the namespace of `temporal` (TEMPORAL_NAMESPACE, else default). */
  namespace?: string;
  taskQueue?: string;
  /** An existing connection (the caller closes it). */
  connection?: Connection;
  /** Passed to `Connection.connect` over what `temporal` gives. */
  connectionOptions?: ConnectionOptions;
  /** Defaults to Sluice's encrypting data converter. */
  dataConverter?: DataConverter;
  /** Opens the catalog (default: SLUICE_CATALOG_URL or the embedded one), on first use. */
  openCatalog?: () => Promise<Catalog>;
  /** The catalog's sealing keys (default: SLUICE_CATALOG_KEYS or the local catalog key file): they key opaque connection ids. */
  catalogKeys?: CodecKeys;
  /**
   * Connectors whose config schemas check inline connections before a job starts (default: the
   * installed connector packages; with none installed, or `null`, only the URL's form is checked
   * here and the worker checks the rest).
   */
  connectors?: ConnectorRegistry | null;
}

/** Thin typed API over @temporalio/client: start, await and query Sluice jobs. */
/** A SYNC job whose request could not be planned: nothing was written. `code` is the planner's or connector's. */
export class SyncPlanError extends Error {
  override readonly name = 'SyncPlanError';
  constructor(
    readonly jobId: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class SluiceClient {
  /** Connections, database and schema connections, schema cache and refresh jobs. */
  readonly catalog: CatalogApi;

  private constructor(
    readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly ownedConnection: Connection | undefined,
    openCatalog: (() => Promise<Catalog>) | undefined,
    private readonly catalogKeys: CodecKeys,
    private connectors: ConnectorRegistry | null | undefined,
  ) {
    this.catalog = new CatalogApi(temporal, taskQueue, openCatalog);
  }

  /**
   * Connects to Temporal. A connection that fails says why in words (the
   * server's certificate, its name, the CA, the address) and names the
   * TEMPORAL_* variable to set: a {@link TemporalConnectError}.
   */
  static async connect(options: SluiceClientOptions = {}): Promise<SluiceClient> {
    const given = options.connection ? undefined : (options.temporal ?? temporalConnectionOptions());
    const settings = given && { ...given, address: options.address ?? given.address };
    let owned: Connection | undefined;
    if (settings) {
      try {
        owned = await Connection.connect({ address: settings.address, tls: settings.tls, apiKey: settings.apiKey, ...options.connectionOptions });
      } catch (err) {
        throw await explainTemporalConnectError(err, settings);
      }
    }
    const connection = options.connection ?? owned!;
    const temporal = new Client({
      connection,
      namespace: options.namespace ?? given?.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
      dataConverter: options.dataConverter ?? sluiceDataConverter(),
    });
    return new SluiceClient(temporal, options.taskQueue ?? process.env.SLUICE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE, owned, options.openCatalog, options.catalogKeys ?? loadSecretKeys(), options.connectors);
  }

  /** Starts a TEST_CONNECTION job and returns its id. */
  async startTestConnection(given: ConnectionSpec, options: { jobId?: string } = {}): Promise<string> {
    checkConnectionSpec('connection', given, this.registry());
    const connection = await this.canonicalSpec(given);
    const handle = await this.temporal.workflow.start<typeof testConnectionWorkflow>('testConnectionWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: options.jobId ?? jobId('test-connection', engineOf(connection)),
      args: [{ connection: this.sealed(connection) }],
      typedSearchAttributes: [
        { key: SearchAttributes.jobType, value: JobType.TEST_CONNECTION },
        { key: SearchAttributes.connectionIds, value: [connectionKey(connection, this.catalogKeys)] },
      ],
      staticSummary: `Test connection ${describeConnection(connection)}`,
    });
    return handle.workflowId;
  }

  /** Awaits a TEST_CONNECTION job: its application message, success or error. */
  async testConnectionResult(id: string): Promise<ApplicationMessage> {
    try {
      return await this.temporal.workflow.getHandle<typeof testConnectionWorkflow>(id).result();
    } catch (err) {
      const message = applicationMessageOf(err);
      if (message) return message;
      throw err;
    }
  }

  /** Starts a TEST_CONNECTION job and awaits its application message. */
  async testConnection(connection: ConnectionSpec, options: { jobId?: string } = {}): Promise<ApplicationMessage> {
    let id: string;
    try {
      id = await this.startTestConnection(connection, options);
    } catch (err) {
      // An invalid config gets its answer at the door, as the worker would give it; no job starts.
      if (err instanceof InvalidConnectionError) {
        const fields = Object.fromEntries(Object.entries(err.details).map(([k, v]) => [k.replace(/^connection\./, ''), v]));
        return applicationMessage(TestCode.INVALID_CONFIG, err.problem, fields);
      }
      throw err;
    }
    return this.testConnectionResult(id);
  }

  /** Starts a SYNC job and returns its id. */
  async startSync(given: SyncInput, options: { jobId?: string } = {}): Promise<string> {
    checkSyncInput(given, this.registry());
    if (options.jobId !== undefined) checkJobId(options.jobId);
    const input = { ...given, source: await this.canonicalSpec(given.source), destination: await this.canonicalSpec(given.destination) };
    const handle = await this.temporal.workflow.start<typeof syncWorkflow>('syncWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: options.jobId ?? jobId('sync', `${engineOf(input.source)}-to-${engineOf(input.destination)}`),
      args: [{ ...input, source: this.sealed(input.source), destination: this.sealed(input.destination) }],
      typedSearchAttributes: [
        { key: SearchAttributes.jobType, value: JobType.SYNC },
        { key: SearchAttributes.connectionIds, value: [connectionKey(input.source, this.catalogKeys), connectionKey(input.destination, this.catalogKeys)] },
      ],
      staticSummary: `Sync ${describeConnection(input.source)} → ${describeConnection(input.destination)}`,
      staticDetails: describeSync(input),
    });
    return handle.workflowId;
  }

  /**
   * Waits until a SYNC job has resolved its selection (tables found, capabilities checked, both
   * connections reached): returns the Job then. A job whose plan failed (a schema without tables,
   * a missing table, an unsupported option, an unreachable database) throws a `SyncPlanError`
   * with the cause's code: the request was wrong, no row moved.
   */
  async waitForPlan(id: string, intervalMs = 200): Promise<SyncJob> {
    for (;;) {
      const job = await this.getJob<SyncJob>(id);
      if (job.tablesTotal > 0 || job.state === 'COMPLETED' || job.state === 'CANCELED') return job;
      if (job.state === 'ERROR') {
        const failure = await this.failureOf(id);
        throw new SyncPlanError(id, failure.type ?? 'PLAN_FAILED', failure.message ?? job.message ?? 'the sync could not be planned');
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** The deepest cause of a failed workflow: the connector's or planner's own type and message. */
  private async failureOf(id: string): Promise<{ type?: string; message?: string }> {
    try {
      await this.temporal.workflow.getHandle(id).result();
      return {};
    } catch (err) {
      let e: unknown = err;
      let found: { type?: string; message?: string } = { message: (err as Error).message };
      while (e && typeof e === 'object') {
        if (e instanceof ApplicationFailure) found = { type: e.type ?? undefined, message: e.message };
        e = (e as { cause?: unknown }).cause;
      }
      return found;
    }
  }

  /**
   * The Job object, from the workflow's `job` query (live while it runs, and
   * after it ends while a worker can answer), with the state taken from the
   * server's own record once the workflow is closed. While no worker can
   * answer (all of them restarting, say), a running job is still returned from
   * the server's record, with a message saying its counters are unavailable.
   */
  async getJob<J extends Job = Job>(id: string, runId?: string): Promise<J> {
    checkJobId(id);
    return (await this.fetchJob<J>(id, runId)).job;
  }

  /**
   * Polls the job every `intervalMs` until it ends, calling `onProgress` with
   * each new state. The end itself is not waited for by polling: the server's
   * long poll on the workflow's close wakes the loop at once (a job's end is
   * seen within milliseconds, not up to one interval later).
   */
  async waitForJob<J extends Job = Job>(id: string, onProgress?: (job: J) => void, intervalMs = 500): Promise<J> {
    const end = { seen: false, rechecked: false, wake: null as (() => void) | null };
    const closed = () => {
      end.seen = true;
      end.wake?.();
    };
    // Aborted when this returns: a long poll left behind would outlive the caller's connection.
    const stop = new AbortController();
    this.temporal.withAbortSignal(stop.signal, () => this.temporal.workflow.getHandle(id).result()).then(closed, () => {
      if (!stop.signal.aborted) closed(); // failed, cancelled, terminated: fetchJob reads how
    });
    try {
      for (;;) {
        const { job, live } = await this.fetchJob<J>(id);
        // A running job whose query went unanswered keeps its last counters on screen.
        if (live || TERMINAL.has(job.state)) onProgress?.(job);
        if (TERMINAL.has(job.state)) return job;
        if (end.seen && !end.rechecked) {
          end.rechecked = true; // closed since the describe: read it again now (once: an error also ends the long poll)
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          end.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        end.wake = null;
      }
    } finally {
      stop.abort();
    }
  }

  /** The job, and whether its counters came from a live answer of the workflow; a sync's with its rate and ETA. */
  private async fetchJob<J extends Job>(id: string, runId?: string): Promise<{ job: J; live: boolean }> {
    const read = await this.readJob<J>(id, runId);
    const job = read.job as Job as SyncJob;
    if (job.type === JobType.SYNC && Array.isArray(job.tables)) Object.assign(job, syncRate(job));
    return read;
  }

  private async readJob<J extends Job>(id: string, runId?: string): Promise<{ job: J; live: boolean }> {
    const handle = this.temporal.workflow.getHandle(id, runId);
    const description = await handle.describe();
    const closed = description.status.name !== 'RUNNING';
    const type = (description.typedSearchAttributes.get(SearchAttributes.jobType) ?? JobType.TEST_CONNECTION) as JobType;
    try {
      // A live worker answers in milliseconds; a dead one would hold the query ~30 s.
      const job = await this.temporal.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query<J>(JOB_QUERY));
      if (!closed) {
        // Activities retrying a failed step (a database down, say) leave the workflow with nothing to
        // say: the server's record of their attempts tells the operator what the job waits for.
        if (job.state === 'RUNNING' && job.message == null) job.message = await waitingMessage(this.temporal, description);
        return { job, live: true };
      }
      const state = jobStateOf(description.status.name);
      return { job: { ...job, state, endDate: job.endDate ?? description.closeTime?.toISOString() ?? null }, live: true };
    } catch (err) {
      if (!closed) {
        // No worker answered (none polling, or the one holding the workflow died): the server
        // still knows the job runs; its counters come back once a worker picks it up again.
        const reason = err instanceof Error ? err.message : String(err);
        return { job: jobFromDescription(description, type, `running; progress unavailable until a worker answers (${reason})`) as J, live: false };
      }
    }
    let message: string | null = null;
    try {
      const result = (await handle.result()) as { body?: unknown; message?: unknown } | undefined;
      if (typeof result?.body === 'string') message = result.body;
    } catch (err) {
      message = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err);
    }
    return { job: jobFromDescription(description, type, message) as J, live: false };
  }

  /** Requests cancellation; the job shows CANCELING while its clean-up runs, then CANCELED. `runId`: that run only. */
  async cancelJob(id: string, runId?: string): Promise<void> {
    checkJobId(id);
    await this.temporal.workflow.getHandle(id, runId).cancel();
  }

  /** Jobs by type, state and connection, newest first (Temporal visibility). */
  async listJobs(filter: JobFilter & { limit?: number } = {}): Promise<JobSummary[]> {
    const out: JobSummary[] = [];
    for await (const wf of this.temporal.workflow.list({ query: this.jobQuery(filter) })) {
      out.push({
        id: wf.workflowId,
        type: (wf.typedSearchAttributes.get(SearchAttributes.jobType) ?? 'UNKNOWN') as JobType,
        state: jobStateOf(wf.status.name),
        startDate: wf.startTime.toISOString(),
        endDate: wf.closeTime?.toISOString() ?? null,
      });
      if (out.length >= (filter.limit ?? 100)) break;
    }
    return out;
  }

  /**
   * One page of `listJobs`, and the cursor of the next (null after the last): the server's own
   * page token, so a page never repeats or skips a job whatever starts meanwhile.
   */
  async listJobsPage(filter: JobFilter & { pageSize?: number; cursor?: string } = {}): Promise<{ jobs: JobSummary[]; nextCursor: string | null }> {
    const query = this.jobQuery(filter);
    const response = await this.temporal.workflowService.listWorkflowExecutions({
      namespace: this.temporal.options.namespace,
      query,
      pageSize: filter.pageSize ?? 100,
      nextPageToken: filter.cursor ? this.pageTokenOf(filter.cursor, query) : undefined,
    });
    const jobs = response.executions.map((raw) => {
      const type = raw.searchAttributes?.indexedFields?.[SearchAttributes.jobType.name]?.data;
      return {
        id: raw.execution!.workflowId!,
        type: (type ? JSON.parse(Buffer.from(type).toString('utf8')) : 'UNKNOWN') as JobType,
        state: jobStateOf(EXECUTION_STATUS[raw.status ?? 0] ?? 'UNKNOWN'),
        startDate: timestampOf(raw.startTime)!,
        endDate: timestampOf(raw.closeTime),
      };
    });
    const token = response.nextPageToken;
    return { jobs, nextCursor: token && token.length ? this.cursorOf(Buffer.from(token), query) : null };
  }

  /**
   * The server's page token, with a MAC over it and the list's query (keyed from the catalog keys):
   * a made-up or edited cursor, or one of another filter, is refused here — the server would
   * answer it with an unknown error after ~20 s of retries.
   */
  private cursorOf(token: Buffer, query: string): string {
    return `${token.toString('base64url')}.${opaqueId('cursor', `${query}\n${token.toString('base64url')}`, this.catalogKeys).slice(7)}`;
  }

  private pageTokenOf(cursor: string, query: string): Buffer {
    const [token, mac] = cursor.split('.');
    if (!token || !mac || !opaqueIds('cursor', `${query}\n${token}`, this.catalogKeys).includes(`cursor:${mac}`)) {
      throw new JobCursorError(`'cursor' is not a cursor of this list (made up, edited, or of another filter). Start again without it.`);
    }
    return Buffer.from(token, 'base64url');
  }

  private jobQuery(filter: JobFilter & { limit?: number }): string {
    checkJobFilter(filter);
    if (filter.state !== undefined && !(filter.state in STATUSES)) throw new InvalidInputError('state', `must be one of ${Object.keys(STATUSES).join(', ')}`);
    const clauses = ['SluiceJobType IS NOT NULL'];
    if (filter.type) clauses.push(`SluiceJobType = ${quote(filter.type)}`);
    if (filter.running !== undefined) clauses.push(filter.running ? 'ExecutionStatus = "Running"' : 'ExecutionStatus != "Running"');
    if (filter.state) clauses.push(`(${STATUSES[filter.state].map((s) => `ExecutionStatus = "${s}"`).join(' OR ')})`);
    if (filter.connection) clauses.push(`SluiceConnectionIds IN (${connectionKeys(filter.connection, this.catalogKeys).map(quote).join(', ')})`);
    return clauses.join(' AND ');
  }

  /** A cron-scheduled SYNC (Temporal Schedule, overlap SKIP). */
  async createSchedule(id: string, input: SyncInput, spec: ScheduleSpec): Promise<void> {
    checkSchedule(id, spec);
    checkSyncInput(input, this.registry());
    const canonical = { ...input, source: await this.canonicalSpec(input.source), destination: await this.canonicalSpec(input.destination) };
    const sealed = { ...canonical, source: this.sealed(canonical.source), destination: this.sealed(canonical.destination) };
    await createSyncSchedule(this.temporal, this.taskQueue, id, sealed, [connectionKey(canonical.source, this.catalogKeys), connectionKey(canonical.destination, this.catalogKeys)], spec);
  }

  async listSchedules(): Promise<ScheduleSummary[]> {
    return listSchedules(this.temporal);
  }

  async getSchedule(id: string): Promise<ScheduleSummary> {
    return describeSchedule(this.temporal, id);
  }

  /** Pauses a schedule (no run starts until it is unpaused); `note` says why, in the UI too. */
  async pauseSchedule(id: string, note?: string): Promise<void> {
    await this.temporal.schedule.getHandle(id).pause(note);
  }

  async unpauseSchedule(id: string, note?: string): Promise<void> {
    await this.temporal.schedule.getHandle(id).unpause(note);
  }

  /** Runs a schedule's action now (as cron would). */
  async triggerSchedule(id: string): Promise<void> {
    await this.temporal.schedule.getHandle(id).trigger();
  }

  async deleteSchedule(id: string): Promise<void> {
    await this.temporal.schedule.getHandle(id).delete();
  }

  /** Whether any worker polled this client's task queue lately (a job would wait forever otherwise). */
  async hasWorkers(): Promise<boolean> {
    const response = await this.temporal.workflowService.describeTaskQueue({
      namespace: this.temporal.options.namespace,
      taskQueue: { name: this.taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (response.pollers?.length ?? 0) > 0;
  }

  /** A catalog connection named by configName becomes its id (workflows carry ids); inline specs pass through. */
  private async canonicalSpec(spec: ConnectionSpec): Promise<ConnectionSpec> {
    if (!('connectionId' in spec)) return spec;
    return { connectionId: (await this.catalog.getConnection(spec.connectionId)).id };
  }

  /**
   * What a workflow carries for a connection: catalog ids as they are, inline URLs and configs
   * sealed with the catalog keys (only workers' activities open them; histories, the codec
   * server and the UI see a summary without the password and ciphertext).
   */
  private sealed(spec: ConnectionSpec): ConnectionSpec {
    if ('connectionId' in spec || 'sealed' in spec) return spec;
    return sealSpec(spec, this.catalogKeys, { key: connectionKey(spec, this.catalogKeys), summary: describeConnection(spec) });
  }

  /** The connectors that check inline connections (loaded once, on first use). */
  private registry(): ConnectorRegistry | undefined {
    if (this.connectors === undefined) {
      const { registry } = loadConnectors();
      this.connectors = registry.list().length ? registry : null;
    }
    return this.connectors ?? undefined;
  }

  async close(): Promise<void> {
    await this.catalog.close();
    await this.ownedConnection?.close();
  }
}

function applicationMessageOf(err: unknown): ApplicationMessage | undefined {
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const detail = err.cause.details?.[0] as ApplicationMessage | undefined;
  return detail && typeof detail.code === 'string' ? detail : undefined;
}
