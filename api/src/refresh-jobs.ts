import type { Job, RefreshTarget, SluiceClient } from '@sluice/client';
import type { JobRef } from '@sluice/catalog';
import { jobNotFound } from './errors';
import { earlierJob, IDEMPOTENCY_WINDOW_MS, idempotentRequest } from './idempotency';
import type { JobCache } from './job-cache';

/**
 * Starts (or joins: one refresh per target runs at a time) a refresh and records its UUID (the
 * run's id); with an Idempotency-Key, the job that key started within 24 h instead.
 */
export async function startRefreshOnce(client: SluiceClient, target: RefreshTarget, createdBy: string, key?: string): Promise<JobRef> {
  const store = await client.catalog.store();
  const idempotent = idempotentRequest(createdBy, key, 'refresh', target);
  const earlier = await earlierJob(store, idempotent);
  if (earlier) return earlier;
  const { jobId, runId } = await client.catalog.startRefreshRun(target);
  await store.recordJobRef({ id: runId, workflowId: jobId, createdBy, idempotencyKey: idempotent }, IDEMPOTENCY_WINDOW_MS);
  return (await store.findJobRef(runId))!;
}

/** A job by its UUID; `knownRefs` keeps refs after their first lookup (a ref never changes once recorded). */
export async function refJob(client: SluiceClient, id: string, knownRefs = new Map<string, JobRef>(), jobs?: JobCache): Promise<{ ref: JobRef; job: Job }> {
  let ref = knownRefs.get(id) ?? null;
  if (!ref) {
    ref = await (await client.catalog.store()).findJobRef(id);
    if (!ref) throw jobNotFound(id);
    if (knownRefs.size >= 10_000) knownRefs.clear();
    knownRefs.set(id, ref);
  }
  return { ref, job: await (jobs ? jobs.get(ref.workflowId, ref.id) : client.getJob(ref.workflowId, ref.id)) };
}
