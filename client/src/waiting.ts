import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { decodeArrayFromPayloads, decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';

/** At most this many pending child workflows (tables) are described per look. */
const MAX_CHILDREN = 8;

interface Retrying {
  activity: string;
  attempt: number;
  failure: string;
  table?: string;
}

/** An attempt that heartbeats but has moved nothing for a while (copyChunk's `stalled` detail). */
interface Stalled {
  activity: string;
  on: string;
  seconds: number;
  table?: string;
}

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

async function retryingOf(temporal: Client, activities: PendingActivity[] | null | undefined, table?: string): Promise<Retrying[]> {
  const out: Retrying[] = [];
  for (const a of activities ?? []) {
    const attempt = Number(a.attempt ?? 0);
    if (attempt <= 1 || !a.lastFailure) continue;
    // Failures are encrypted at rest (encodeCommonAttributes): decoded with the client's own converter.
    const decoded = await decodeOptionalFailureToOptionalError(temporal.options.loadedDataConverter, a.lastFailure).catch(() => undefined);
    const failure = decoded?.message ?? a.lastFailure.message;
    if (failure) out.push({ activity: a.activityType?.name ?? 'activity', attempt, failure, table });
  }
  return out;
}

async function stalledOf(temporal: Client, activities: PendingActivity[] | null | undefined, table?: string): Promise<Stalled[]> {
  const out: Stalled[] = [];
  for (const a of activities ?? []) {
    if (!a.heartbeatDetails?.payloads?.length) continue;
    const [details] = await decodeArrayFromPayloads(temporal.options.loadedDataConverter, a.heartbeatDetails.payloads).catch(() => [undefined]);
    const stalled = (details as { stalled?: { on?: unknown; seconds?: unknown } } | undefined)?.stalled;
    if (typeof stalled?.on === 'string' && typeof stalled.seconds === 'number') {
      out.push({ activity: a.activityType?.name ?? 'activity', on: stalled.on, seconds: stalled.seconds, table });
    }
  }
  return out;
}

/** "Sync table src.items → dst.items (append)" → "src.items" (the child's static summary, set by the sync). */
async function tableOf(d: WorkflowExecutionDescription): Promise<string> {
  const summary = await d.staticSummary().catch(() => undefined);
  return /^Sync table (\S+)/.exec(summary ?? '')?.[1] ?? d.workflowId;
}

/**
 * What a running job waits for, from the server's record: an activity of the
 * job (or of one of its tables' child workflows) that failed and is being
 * retried, with its last failure, e.g. `waiting: copyChunk of s.items failed
 * 3 times, retrying (destination postgresql at 127.0.0.1:5432: connect
 * ECONNREFUSED …)`. Null when nothing is being retried. While a database is
 * down the workflow itself has nothing to say (its activities retry inside the
 * server); this is how the Job tells why it stands still. Failing that, an
 * attempt that waits long on a silent database (its heartbeat says which side):
 * `waiting: copyChunk of s.items has had no answer from the destination for 20 s`.
 */
export async function waitingMessage(temporal: Client, description: WorkflowExecutionDescription): Promise<string | null> {
  const retrying = await retryingOf(temporal, description.raw.pendingActivities);
  const stalled = await stalledOf(temporal, description.raw.pendingActivities);
  const children = (description.raw.pendingChildren ?? []).slice(0, MAX_CHILDREN);
  const described = await Promise.all(
    children.map((c) =>
      temporal.workflow
        .getHandle(c.workflowId ?? '', c.runId ?? undefined)
        .describe()
        .then(async (d) => {
          if (!d.raw.pendingActivities?.length) return { retrying: [], stalled: [] };
          const table = await tableOf(d);
          return { retrying: await retryingOf(temporal, d.raw.pendingActivities, table), stalled: await stalledOf(temporal, d.raw.pendingActivities, table) };
        })
        .catch(() => ({ retrying: [] as Retrying[], stalled: [] as Stalled[] })), // closed or gone since the parent's describe
    ),
  );
  for (const r of described) {
    retrying.push(...r.retrying);
    stalled.push(...r.stalled);
  }
  if (retrying.length === 0) {
    if (stalled.length === 0) return null;
    const longest = stalled.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    return `waiting: ${longest.activity}${longest.table ? ` of ${longest.table}` : ''} has had no answer from the ${longest.on} for ${longest.seconds} s`;
  }
  const worst = retrying.reduce((a, b) => (b.attempt > a.attempt ? b : a));
  const failed = worst.attempt - 1;
  const others = retrying.length > 1 ? ` (+${retrying.length - 1} more retrying)` : '';
  return `waiting: ${worst.activity}${worst.table ? ` of ${worst.table}` : ''} failed ${failed} time${failed === 1 ? '' : 's'}, retrying (${worst.failure})${others}`;
}
