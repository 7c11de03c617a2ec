/**
 * Spare buffers for a connector's page bytes (COPY text read or encoded),
 * handed back once a page is written and taken again for a later page.
 *
 * Why: a page lives across the awaits of its write and of the next page's
 * read, so a fresh buffer per page is promoted to the old generation and
 * dies there; its memory comes back only at the next full GC, which V8
 * starts once ~64 MiB of such external memory has piled up. A fast copy
 * (20 pages of 4 MiB a second) kept 70-140 MiB of dead pages in the worker's
 * RSS that way. Reused buffers are never garbage.
 */
export class BufferPool {
  private readonly spare: Buffer[] = [];
  private lastTake = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  /**
   * Keeps at most `keep` spare buffers (the pages a reader and writer hold at
   * once), and none once nothing was taken for `idleMs`: an idle worker does
   * not hold the last job's pages.
   */
  constructor(
    private readonly keep: number,
    private readonly idleMs = 10_000,
  ) {}

  /** A spare buffer of at least `bytes` (the largest spare if it is bigger), else a new one of `bytes`. */
  take(bytes: number): Buffer {
    this.lastTake = Date.now();
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) if (this.spare[i]!.length >= bytes && (best < 0 || this.spare[i]!.length < this.spare[best]!.length)) best = i;
    if (best >= 0) return this.spare.splice(best, 1)[0]!;
    return Buffer.allocUnsafe(bytes);
  }

  /** The largest spare when it holds at least `minBytes` (a page of unknown size), else a new one of `minBytes`. */
  takeLargest(minBytes: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) if (best < 0 || this.spare[i]!.length > this.spare[best]!.length) best = i;
    if (best < 0 || this.spare[best]!.length < minBytes) return this.take(minBytes);
    this.lastTake = Date.now();
    return this.spare.splice(best, 1)[0]!;
  }

  /** Hands a buffer back; its bytes must no longer be in use (nothing still sending them). */
  give(buffer: Buffer): void {
    if (this.keep <= 0 || this.spare.includes(buffer)) return;
    if (this.spare.length < this.keep) this.spare.push(buffer);
    else {
      // Keep the larger ones: a page grows to the largest page it held.
      const smallest = this.spare.reduce((s, b, i) => (b.length < this.spare[s]!.length ? i : s), 0);
      if (this.spare[smallest]!.length < buffer.length) this.spare[smallest] = buffer;
    }
    this.dropWhenIdle();
  }

  private dropWhenIdle(): void {
    if (this.idleTimer) return;
    const check = () => {
      const idle = Date.now() - this.lastTake;
      if (idle >= this.idleMs) {
        this.spare.length = 0;
        this.idleTimer = null;
      } else this.idleTimer = setTimeout(check, this.idleMs - idle).unref();
    };
    this.idleTimer = setTimeout(check, this.idleMs).unref();
  }

  /** Spare buffers held (for tests). */
  get size(): number {
    return this.spare.length;
  }
}
