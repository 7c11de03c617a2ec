import type { Queryable } from './db';

/** A job started through the REST API under a UUID id (Collibra's Job.id): the run's id, and its workflow. */
export interface JobRef {
  id: string;
  workflowId: string;
  createdBy: string | null;
  createdAt: string;
}

/**
 * Records a job's UUID (recording it again keeps the first), and the idempotency key that
 * started or joined it: a key older than `keyWindowMs` is free again and moves to this job.
 */
export async function recordJobRef(
  db: Queryable,
  ref: { id: string; workflowId: string; createdBy?: string | null; idempotencyKey?: { key: string; request: string } | null },
  keyWindowMs = 24 * 3600_000,
): Promise<void> {
  await db.query('INSERT INTO job_refs (id, workflow_id, created_by) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [ref.id, ref.workflowId, ref.createdBy ?? null]);
  if (!ref.idempotencyKey) return;
  await db.query(
    `INSERT INTO job_idempotency_keys (key_sha256, job_id, request_sha256) VALUES ($1, $2, $3)
     ON CONFLICT (key_sha256) DO UPDATE SET job_id = EXCLUDED.job_id, request_sha256 = EXCLUDED.request_sha256, created_at = now()
     WHERE job_idempotency_keys.created_at <= now() - make_interval(secs => $4)`,
    [ref.idempotencyKey.key, ref.id, ref.idempotencyKey.request, keyWindowMs / 1000],
  );
}

/** The job a (hashed) idempotency key started within `withinMs`, with the hash of the request it came with; or null. */
export async function findJobRefByKey(db: Queryable, idempotencyKey: string, withinMs: number): Promise<(JobRef & { requestSha256: string }) | null> {
  const rows = await db.query<Row & { request_sha256: string }>(
    `SELECT r.*, k.request_sha256 FROM job_idempotency_keys k JOIN job_refs r ON r.id = k.job_id
     WHERE k.key_sha256 = $1 AND k.created_at > now() - make_interval(secs => $2)`,
    [idempotencyKey, withinMs / 1000],
  );
  return rows[0] ? { ...toJobRef(rows[0]), requestSha256: rows[0].request_sha256 } : null;
}

interface Row {
  id: string;
  workflow_id: string;
  created_by: string | null;
  created_at: Date | string;
}

const toJobRef = (r: Row): JobRef => ({ id: r.id, workflowId: r.workflow_id, createdBy: r.created_by, createdAt: new Date(r.created_at).toISOString() });

export async function findJobRef(db: Queryable, id: string): Promise<JobRef | null> {
  const rows = await db.query<Row>('SELECT * FROM job_refs WHERE id = $1', [id]);
  return rows[0] ? toJobRef(rows[0]) : null;
}
