import { ApplicationFailure } from '@temporalio/common';
import { Client, Connection, WorkflowFailedError, type ConnectionOptions } from '@temporalio/client';
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
  type testConnectionWorkflow,
} from '@sluice/workflows';
import { describeConnection, engineOf, jobId } from './job-ids';
import { jobFromDescription } from './job-state';

export interface SluiceClientOptions {
  /** Defaults to TEMPORAL_ADDRESS or localhost:7233. */
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** An existing connection (the caller closes it). */
  connection?: Connection;
  connectionOptions?: ConnectionOptions;
}

/** Thin typed API over @temporalio/client: start, await and query Sluice jobs. */
export class SluiceClient {
  private constructor(
    readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly ownedConnection?: Connection,
  ) {}

  static async connect(options: SluiceClientOptions = {}): Promise<SluiceClient> {
    const owned = options.connection
      ? undefined
      : await Connection.connect({
          address: options.address ?? process.env.TEMPORAL_ADDRESS ?? 'localhost:7233',
          ...options.connectionOptions,
        });
    const connection = options.connection ?? owned!;
    const temporal = new Client({
      connection,
      namespace: options.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
      dataConverter: sluiceDataConverter(),
    });
    return new SluiceClient(temporal, options.taskQueue ?? process.env.SLUICE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE, owned);
  }

  /** Starts a TEST_CONNECTION job and returns its id. */
  async startTestConnection(connection: ConnectionSpec, options: { jobId?: string } = {}): Promise<string> {
    const handle = await this.temporal.workflow.start<typeof testConnectionWorkflow>('testConnectionWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: options.jobId ?? jobId('test-connection', engineOf(connection)),
      args: [{ connection }],
      typedSearchAttributes: [{ key: SearchAttributes.jobType, value: JobType.TEST_CONNECTION }],
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
    return this.testConnectionResult(await this.startTestConnection(connection, options));
  }

  /** The Job object: live from the workflow while it runs, from the server's record once closed. */
  async getJob(id: string): Promise<Job> {
    const handle = this.temporal.workflow.getHandle(id);
    const description = await handle.describe();
    const type = (description.typedSearchAttributes.get(SearchAttributes.jobType) ?? JobType.TEST_CONNECTION) as JobType;
    if (description.status.name === 'RUNNING') return handle.query<Job>(JOB_QUERY);
    let message: string | null = null;
    try {
      const result = (await handle.result()) as { body?: unknown } | undefined;
      if (typeof result?.body === 'string') message = result.body;
    } catch (err) {
      message = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err);
    }
    return jobFromDescription(description, type, message);
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

  async close(): Promise<void> {
    await this.ownedConnection?.close();
  }
}

function applicationMessageOf(err: unknown): ApplicationMessage | undefined {
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const detail = err.cause.details?.[0] as ApplicationMessage | undefined;
  return detail && typeof detail.code === 'string' ? detail : undefined;
}
