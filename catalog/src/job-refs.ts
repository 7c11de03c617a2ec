import type { Queryable } from './db';

/** A job started through the REST API under a UUID id (Collibra's Job.id): the run's id, and its workflow. */
export interface JobRef {
  id: string;
  workflowId: string;
  createdBy: string | null;
  createdAt: string;
}

/** Records a job's UUID; recording the same one again (an idempotent start) keeps the first. */
export async function recordJobRef(db: Queryable, ref: { id: string; workflowId: string; createdBy?: string | null }): Promise<void> {
  await db.query('INSERT INTO job_refs (id, workflow_id, created_by) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [ref.id, ref.workflowId, ref.createdBy ?? null]);
}

export async function findJobRef(db: Queryable, id: string): Promise<JobRef | null> {
  const rows = await db.query<{ id: string; workflow_id: string; created_by: string | null; created_at: Date | string }>('SELECT * FROM job_refs WHERE id = $1', [id]);
  const r = rows[0];
  return r ? { id: r.id, workflowId: r.workflow_id, createdBy: r.created_by, createdAt: new Date(r.created_at).toISOString() } : null;
}
