import type { SluiceClient } from '@sluice/client';
import { temporal } from '@temporalio/proto';

/**
 * The whole history of a workflow as text, with every payload's bytes decoded
 * as UTF-8, so that a secret stored in clear anywhere in it can be found.
 */
export async function historyText(client: SluiceClient, workflowId: string): Promise<string> {
  const history = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
  return serialize(history);
}

export function serialize(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
}

/** Whether `secret` appears in clear, URL-encoded or base64-encoded in `text`. */
export function containsSecret(text: string, secret: string): boolean {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')].some((form) => text.includes(form));
}

/** The events of every table workflow a sync job started. */
async function tableWorkflowEvents(client: SluiceClient, syncJobId: string) {
  const parent = await client.temporal.workflow.getHandle(syncJobId).fetchHistory();
  const children = (parent.events ?? []).flatMap((e) => (e.childWorkflowExecutionStartedEventAttributes?.workflowExecution ? [e.childWorkflowExecutionStartedEventAttributes.workflowExecution] : []));
  const events = [];
  for (const child of children) {
    const history = await client.temporal.workflow.getHandle(child.workflowId!, child.runId ?? undefined).fetchHistory();
    events.push(...(history.events ?? []));
  }
  return events;
}

/** The heartbeat timeouts (seconds) of every copyChunk scheduled by the table workflows a sync job started. */
export async function chunkHeartbeatTimeouts(client: SluiceClient, syncJobId: string): Promise<number[]> {
  const timeouts: number[] = [];
  for (const e of await tableWorkflowEvents(client, syncJobId)) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'copyChunk') timeouts.push(Number(scheduled.heartbeatTimeout?.seconds ?? 0));
  }
  return timeouts;
}

/** The kind of every workflow task of a workflow (a sync job's own, not its table workflows') that timed out. */
export async function workflowTaskTimeouts(client: SluiceClient, workflowId: string): Promise<string[]> {
  const { events } = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).flatMap((e) => {
    const timedOut = e.workflowTaskTimedOutEventAttributes;
    return timedOut ? [temporal.api.enums.v1.TimeoutType[timedOut.timeoutType ?? 0] ?? String(timedOut.timeoutType)] : [];
  });
}

/**
 * Why each retried activity attempt of a sync's table workflows was retried:
 * the failure of the attempt before it (an application failure's type, or
 * `timeout:<kind>` when it timed out).
 */
export async function retryCauses(client: SluiceClient, syncJobId: string): Promise<string[]> {
  const causes: string[] = [];
  for (const e of await tableWorkflowEvents(client, syncJobId)) {
    const started = e.activityTaskStartedEventAttributes;
    const failure = started?.lastFailure;
    if (!failure || (started.attempt ?? 1) < 2) continue;
    const timeout = failure.timeoutFailureInfo ?? failure.cause?.timeoutFailureInfo;
    causes.push(failure.applicationFailureInfo?.type ?? (timeout ? `timeout:${timeout.timeoutType}` : failure.message ?? 'unknown'));
  }
  return causes;
}

/**
 * What became of each `activity` scheduled by a sync's table workflows, in order: 'completed',
 * 'failed', 'timed out', 'canceled', each prefixed 'cancel requested, ' when the workflow asked to cancel it.
 */
export async function activityOutcomes(client: SluiceClient, syncJobId: string, activity: string): Promise<string[]> {
  const events = await tableWorkflowEvents(client, syncJobId);
  const ours = new Map<string, string>();
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes?.activityType?.name === activity) ours.set(String(e.eventId), '');
  }
  for (const e of events) {
    const ended: [string, { scheduledEventId?: unknown } | null | undefined][] = [
      ['cancel requested, ', e.activityTaskCancelRequestedEventAttributes],
      ['completed', e.activityTaskCompletedEventAttributes],
      ['failed', e.activityTaskFailedEventAttributes],
      ['timed out', e.activityTaskTimedOutEventAttributes],
      ['canceled', e.activityTaskCanceledEventAttributes],
    ];
    for (const [what, attrs] of ended) {
      const id = attrs ? String(attrs.scheduledEventId) : null;
      if (id && ours.has(id)) ours.set(id, ours.get(id) + what);
    }
  }
  return [...ours.values()];
}
