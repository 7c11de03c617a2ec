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

export interface OrphanReport {
  failed: number;
  cancelled: number;
}

/**
 * Fails (or, when cancellation was asked, reports cancelled) every started
 * activity of a running workflow on `taskQueue` whose last worker was a
 * process of this machine that no longer exists.
 */
export async function releaseOrphanedActivities(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  identity?: string;
  /** At most this many running workflows are looked at (default 1,000). */
  limit?: number;
}): Promise<OrphanReport> {
  const self = options.identity ?? workerIdentity();
  const client = new Client({ connection: options.connection, namespace: options.namespace });
  const report: OrphanReport = { failed: 0, cancelled: 0 };
  const limit = options.limit ?? 1_000;
  let seen = 0;
  const query = `TaskQueue = '${options.taskQueue.replace(/'/g, "\\'")}' AND ExecutionStatus = 'Running'`;
  for await (const wf of client.workflow.list({ query })) {
    if (++seen > limit) break;
    const handle = client.workflow.getHandle(wf.workflowId, wf.runId);
    const { raw } = await handle.describe();
    const orphans = (raw.pendingActivities ?? []).filter((a) => {
      if (a.state !== STARTED && a.state !== CANCEL_REQUESTED) return false;
      const pid = localPidOf(a.lastWorkerIdentity ?? '', self);
      return pid !== null && pid !== process.pid && !processExists(pid);
    });
    if (!orphans.length) continue;
    // First off the dead worker's sticky queue, so the task the failure schedules goes where a live worker polls.
    await client.workflowService.resetStickyTaskQueue({ namespace: options.namespace, execution: { workflowId: wf.workflowId, runId: wf.runId } });
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
