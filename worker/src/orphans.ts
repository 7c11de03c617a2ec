import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';

/*
 * A worker that restarts on the same machine (systemd, a supervisor, `kill -9`
 * and start again) finds the activities its dead predecessor was running and
 * fails them at once, so they retry now instead of after their heartbeat
 * timeout, and moves those workflows off the dead worker's sticky queue.
 *
 * "Dead" must be certain: a pid means something only in its own pid
 * namespace, so a worker's identity carries its host and pid namespace, and
 * only identities of this host and namespace whose process no longer exists
 * are touched. Anything else (another machine, a live process, a server
 * without advanced visibility) is left to the heartbeat timeout. Even a
 * mistaken failure could not write a batch twice where checkpoints are fenced:
 * the old attempt's next commit would be refused.
 */

/** `<pid>@<host>#<pid namespace>`: the Temporal worker identity of this process. */
export function workerIdentity(): string {
  return `${process.pid}@${hostname()}#${pidNamespace()}`;
}

function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown'; // not Linux: identities of this form then never match as dead
  }
}

/** The pid of an identity of this host and pid namespace, else null. */
export function localPidOf(identity: string, self = workerIdentity()): number | null {
  const m = /^(\d+)@(.+)#(\d+)$/.exec(identity);
  const own = /^(\d+)@(.+)#(\d+)$/.exec(self);
  if (!m || !own || m[2] !== own[2] || m[3] !== own[3]) return null;
  return Number(m[1]);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, someone else's
  }
}

const STARTED = 2; // temporal.api.enums.v1.PendingActivityState
const CANCEL_REQUESTED = 3;

export interface TakeOverReport {
  failed: number;
  cancelled: number;
  /** Workflows moved off a dead worker's sticky queue (their next task goes to a live worker now). */
  unstuck: number;
}

/**
 * Fails (or, when cancellation was asked, reports cancelled) every started
 * activity of a running workflow on `taskQueue` whose last worker was a
 * process of this machine that no longer exists, and moves every running
 * workflow whose last workflow task such a process ran off its sticky queue:
 * a sync's parent workflow waits for its table workflows with no activity of
 * its own, and its next task would otherwise sit on the dead worker's queue
 * until the sticky schedule-to-start timeout.
 */
export async function takeOverFromExitedWorkers(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  identity?: string;
  /** At most this many running workflows are looked at (default 1,000). */
  limit?: number;
}): Promise<TakeOverReport> {
  const self = options.identity ?? workerIdentity();
  const client = new Client({ connection: options.connection, namespace: options.namespace });
  const report: TakeOverReport = { failed: 0, cancelled: 0, unstuck: 0 };
  const limit = options.limit ?? 1_000;
  const deadHere = (identity: string | null | undefined) => {
    const pid = localPidOf(identity ?? '', self);
    return pid !== null && pid !== process.pid && !processExists(pid);
  };
  let seen = 0;
  const query = `TaskQueue = '${options.taskQueue.replace(/'/g, "\\'")}' AND ExecutionStatus = 'Running'`;
  for await (const wf of client.workflow.list({ query })) {
    if (++seen > limit) break;
    const handle = client.workflow.getHandle(wf.workflowId, wf.runId);
    const { raw } = await handle.describe();
    const orphans = (raw.pendingActivities ?? []).filter((a) => (a.state === STARTED || a.state === CANCEL_REQUESTED) && deadHere(a.lastWorkerIdentity));
    const execution = { workflowId: wf.workflowId, runId: wf.runId };
    if (!orphans.length && !deadHere(await lastWorkflowTaskWorker(client, options.namespace, execution))) continue;
    // First off the dead worker's sticky queue, so the task the failure schedules goes where a live worker polls.
    await client.workflowService.resetStickyTaskQueue({ namespace: options.namespace, execution });
    report.unstuck++;
    for (const a of orphans) {
      const id = { workflowId: wf.workflowId, runId: wf.runId, activityId: a.activityId! };
      try {
        if (a.state === CANCEL_REQUESTED) {
          await client.activity.reportCancellation(id);
          report.cancelled++;
        } else {
          const failure = ApplicationFailure.retryable(`worker ${a.lastWorkerIdentity} exited while running this activity; retrying`, 'WORKER_LOST');
          await client.activity.fail(id, failure);
          report.failed++;
        }
      } catch {
        // Completed or timed out meanwhile: nothing left to release.
      }
    }
  }
  return report;
}

/** The identity of the worker that started the workflow's latest workflow task, from the newest events. */
async function lastWorkflowTaskWorker(client: Client, namespace: string, execution: { workflowId: string; runId: string }): Promise<string | null> {
  const { history } = await client.workflowService.getWorkflowExecutionHistoryReverse({ namespace, execution, maximumPageSize: 20 });
  for (const event of history?.events ?? []) {
    if (event.workflowTaskStartedEventAttributes) return event.workflowTaskStartedEventAttributes.identity ?? null;
  }
  return null; // not among the newest events: left to the sticky timeout
}
