import type { SluiceClient } from '@sluice/client';

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

/** The heartbeat timeouts (seconds) of every copyChunk scheduled by the table workflows a sync job started. */
export async function chunkHeartbeatTimeouts(client: SluiceClient, syncJobId: string): Promise<number[]> {
  const parent = await client.temporal.workflow.getHandle(syncJobId).fetchHistory();
  const children = (parent.events ?? []).flatMap((e) => (e.childWorkflowExecutionStartedEventAttributes?.workflowExecution ? [e.childWorkflowExecutionStartedEventAttributes.workflowExecution] : []));
  const timeouts: number[] = [];
  for (const child of children) {
    const history = await client.temporal.workflow.getHandle(child.workflowId!, child.runId ?? undefined).fetchHistory();
    for (const e of history.events ?? []) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name === 'copyChunk') timeouts.push(Number(scheduled.heartbeatTimeout?.seconds ?? 0));
    }
  }
  return timeouts;
}
