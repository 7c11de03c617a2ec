import type { Job, SluiceClient } from '@sluice/client';

const TERMINAL = new Set(['COMPLETED', 'CANCELED', 'ERROR']);

interface Entry {
  /** Fresh until then; a run that ended never changes again (Infinity). */
  until: number;
  /** Served while the next fetch runs, up to `staleMs` after `until`. */
  value?: Job;
  fetching?: Promise<Job>;
}

/**
 * Jobs as GET answers them: one fetch (a describe and a query through Temporal)
 * serves every request for the same job within `ttlMs`, and the one after it
 * runs in the background while the last answer is served, so clients polling
 * a job cost Temporal one fetch per interval however many they are, and none
 * of them waits for it. A run (Collibra ids name one) that ended stays; errors
 * are not kept.
 */
export class JobCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly client: SluiceClient,
    private readonly ttlMs = 500,
    private readonly staleMs = 2_000,
    private readonly maxEntries = 10_000,
  ) {}

  get(id: string, runId?: string): Promise<Job> {
    const key = `${id}\n${runId ?? ''}`;
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry?.value && entry.until > now) return Promise.resolve(entry.value);
    if (entry?.value && entry.until + this.staleMs > now) {
      this.fetch(key, entry, id, runId).catch(() => undefined);
      return Promise.resolve(entry.value);
    }
    if (entry) return this.fetch(key, entry, id, runId);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const fresh: Entry = { until: 0 };
    this.entries.set(key, fresh);
    return this.fetch(key, fresh, id, runId);
  }

  /** One fetch per job at a time: concurrent callers share it. */
  private fetch(key: string, entry: Entry, id: string, runId?: string): Promise<Job> {
    entry.fetching ??= this.client.getJob(id, runId).then(
      (job) => {
        entry.value = job;
        entry.until = runId && TERMINAL.has(job.state) ? Infinity : Date.now() + this.ttlMs;
        entry.fetching = undefined;
        return job;
      },
      (err: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw err;
      },
    );
    return entry.fetching;
  }

  /** After a change through this server (a cancel): the next GET fetches. */
  forget(id: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${id}\n`)) this.entries.delete(key);
  }
}
