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
  return JSON.stringify(plain(value));
}

/**
 * The value with bytes as UTF-8 text, walked by hand: proto messages' own toJSON would turn
 * payload bytes into base64 first, where a secret inside a larger value is not found.
 */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    if (typeof (v as { toNumber?: unknown }).toNumber === 'function') return String(v); // Long
    return Object.fromEntries(Object.entries(v).map(([k, child]) => [k, plain(child)]));
  }
  return v;
}

/** Whether `secret` appears in clear, URL-encoded or base64-encoded in `text`. */
export function containsSecret(text: string, secret: string): boolean {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')].some((form) => text.includes(form));
}

/** The events of every table workflow a sync job started. */
/** The events of each run of each table workflow a sync job started (a long table continues as new). */
async function tableWorkflowRuns(client: SluiceClient, syncJobId: string) {
  const parent = await client.temporal.workflow.getHandle(syncJobId).fetchHistory();
  const children = (parent.events ?? []).flatMap((e) => (e.childWorkflowExecutionStartedEventAttributes?.workflowExecution ? [e.childWorkflowExecutionStartedEventAttributes.workflowExecution] : []));
  const runs = [];
  for (const child of children) {
    for (let runId: string | undefined = child.runId ?? undefined; runId; ) {
      const history = await client.temporal.workflow.getHandle(child.workflowId!, runId).fetchHistory();
      runs.push(history.events ?? []);
      runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
  }
  return runs;
}

async function tableWorkflowEvents(client: SluiceClient, syncJobId: string) {
  return (await tableWorkflowRuns(client, syncJobId)).flat();
}

/** The identity of the worker that started each copyChunk attempt of a sync job's tables. */
export async function chunkWorkers(client: SluiceClient, syncJobId: string): Promise<string[]> {
  const identities: string[] = [];
  for (const events of await tableWorkflowRuns(client, syncJobId)) {
    const chunks = new Set<string>(); // event ids restart with each run
    for (const e of events) {
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'copyChunk') chunks.add(String(e.eventId));
      const started = e.activityTaskStartedEventAttributes;
      if (started && chunks.has(String(started.scheduledEventId))) identities.push(started.identity!);
    }
  }
  return identities;
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

/** A Temporal Payload as fetchHistory returns it (bytes in `metadata` values and `data`). */
function isPayload(v: unknown): v is { metadata: Record<string, Uint8Array>; data?: Uint8Array } {
  return !!v && typeof v === 'object' && (v as { metadata?: unknown }).metadata instanceof Object && Object.values((v as { metadata: object }).metadata).some((m) => m instanceof Uint8Array);
}

/**
 * The whole history as text with every payload (inputs, results, memos, summaries, failures'
 * encoded message and stack) decoded through `codec` first: what an operator holding the
 * codec key sees in the UI.
 */
export async function decodedHistoryText(client: SluiceClient, workflowId: string, codec: { decode(p: any[]): Promise<any[]> }): Promise<string> {
  const history = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
  const walk = async (v: unknown): Promise<unknown> => {
    if (isPayload(v)) {
      const [p] = await codec.decode([v]);
      const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');
      return { metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, m]) => [k, text(m as Uint8Array)])), data: text(p.data) };
    }
    if (Array.isArray(v)) return Promise.all(v.map(walk));
    if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v)) out[k] = await walk(child);
      return out;
    }
    return v;
  };
  return serialize(await walk(history));
}

/** Every `failure` (with its causes) anywhere in a workflow's history, as text with bytes in UTF-8. */
export async function failuresText(client: SluiceClient, workflowId: string): Promise<string> {
  const history = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
  const found: unknown[] = [];
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object' || v instanceof Uint8Array) return;
    for (const [k, child] of Object.entries(v)) {
      if ((k === 'failure' || k === 'lastFailure') && child) found.push(child);
      else walk(child);
    }
  };
  walk(history);
  return serialize(found);
}
