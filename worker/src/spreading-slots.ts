import type { ActivitySlotInfo, CustomSlotSupplier, SlotMarkUsedContext, SlotPermit, SlotReleaseContext, SlotReserveContext } from '@temporalio/worker';

/**
 * Activity slots that let a table's lanes spread over every worker polling the task queue.
 *
 * A slot is reserved before each poll. With the SDK's fixed-size slots an idle worker keeps five
 * polls open, and the Temporal server (1.32 here) hands a burst of tasks to the freshest polls: the
 * worker that just ran the workflow task, or the last activity, took every chunk of a 4-lane table
 * while two other workers polled and did nothing (8 of 8 chunks measured). Here a worker keeps at
 * most one poll open, and while it already runs an activity it opens the next one only `rampMs`
 * after it started its last one: a burst of chunks meets its peers' open polls first. An idle
 * worker polls at once, so a job's one-at-a-time activities wait for nothing.
 */
export class SpreadingActivitySlots implements CustomSlotSupplier<ActivitySlotInfo> {
  readonly type = 'custom';
  private used = 0;
  /** Permits handed out and not used yet (a poll waiting for a task). */
  private open = 0;
  private lastUsedAt = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly maxSlots = 100,
    private readonly rampMs = 50,
    private readonly now: () => number = Date.now,
  ) {}

  /** A permit now, or null: at most one open poll, slots left, and the ramp passed while busy. */
  tryReserveSlot(_ctx?: SlotReserveContext): SlotPermit | null {
    if (this.wait() !== 0) return null;
    this.open++;
    return {};
  }

  async reserveSlot(_ctx: SlotReserveContext, abortSignal: AbortSignal): Promise<SlotPermit> {
    for (;;) {
      if (abortSignal.aborted) throw abortSignal.reason;
      const permit = this.tryReserveSlot();
      if (permit) return permit;
      const ms = this.wait();
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          abortSignal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          wake();
          reject(abortSignal.reason); // the SDK expects its own reason back; anything else it logs as an error
        };
        // Woken by a release or a used permit; the ramp's end by its timer.
        const timer = setTimeout(wake, ms === Infinity ? 1_000 : Math.max(1, ms));
        this.waiters.add(wake);
        abortSignal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  markSlotUsed(_ctx: SlotMarkUsedContext<ActivitySlotInfo>): void {
    this.open = Math.max(0, this.open - 1);
    this.used++;
    this.lastUsedAt = this.now();
    this.wakeAll();
  }

  releaseSlot(ctx: SlotReleaseContext<ActivitySlotInfo>): void {
    // A permit released without a task (its poller stopped) was an open one.
    if (ctx.slotInfo) this.used = Math.max(0, this.used - 1);
    else this.open = Math.max(0, this.open - 1);
    this.wakeAll();
  }

  /** Milliseconds until a permit may be handed out: 0 now, Infinity until something changes. */
  private wait(): number {
    if (this.open > 0 || this.used + this.open >= this.maxSlots) return Infinity;
    if (this.used === 0) return 0;
    return Math.max(0, this.lastUsedAt + this.rampMs - this.now());
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
