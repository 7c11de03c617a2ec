import type { SyncJob } from '@sluice/workflows';

/** How fast a sync moves and when it should end, from its committed counters. */
export interface SyncRate {
  /** Rows committed per second since the job started (or over the recent window a `RateWindow` saw). */
  rowsPerSecond: number | null;
  /** Seconds left at that rate for the rows the tables' estimates still expect; null without a rate or estimates. */
  etaSeconds: number | null;
  /** Seconds since the job started (to its end once it has ended). */
  elapsedSeconds: number | null;
}

/** Rows the unfinished tables still expect by their estimates (a table without one expects none). */
export function rowsRemaining(job: SyncJob): number {
  let left = 0;
  for (const t of job.tables ?? []) {
    if (t.state === 'COMPLETED' || !t.rowEstimate) continue;
    left += Math.max(0, t.rowEstimate - t.rowsWritten);
  }
  return left;
}

/**
 * The job's average rate since its start and the ETA that follows. Stateless: what `getJob`
 * answers. A job that has ended has no ETA.
 */
export function syncRate(job: SyncJob, now: number = Date.now()): SyncRate {
  const start = job.startDate ? Date.parse(job.startDate) : NaN;
  if (Number.isNaN(start)) return { rowsPerSecond: null, etaSeconds: null, elapsedSeconds: null };
  const end = job.endDate ? Date.parse(job.endDate) : now;
  const elapsed = Math.max(0, (end - start) / 1000);
  const rate = elapsed > 0 && job.rowsWritten > 0 ? job.rowsWritten / elapsed : null;
  return { rowsPerSecond: rate === null ? null : Math.round(rate), etaSeconds: etaOf(job, rate), elapsedSeconds: Math.round(elapsed) };
}

function etaOf(job: SyncJob, rate: number | null): number | null {
  if (job.state !== 'RUNNING' || !rate) return null;
  const left = rowsRemaining(job);
  return left > 0 ? Math.ceil(left / rate) : null;
}

/**
 * The rate over the last `windowMs` of samples, for a progress display that polls a job: a job
 * that slowed down (a fault, a wide table) shows it within the window, not diluted by its start.
 */
export class RateWindow {
  private readonly samples: { at: number; rows: number }[] = [];

  constructor(private readonly windowMs = 10_000) {}

  add(job: SyncJob, now: number = Date.now()): SyncRate {
    const overall = syncRate(job, now);
    this.samples.push({ at: now, rows: job.rowsWritten });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (now - first.at) / 1000;
    // Under a second of samples says little: the job's own average until then.
    if (seconds < 1) return overall;
    const rate = Math.max(0, job.rowsWritten - first.rows) / seconds;
    return { rowsPerSecond: Math.round(rate), etaSeconds: etaOf(job, rate), elapsedSeconds: overall.elapsedSeconds };
  }
}
