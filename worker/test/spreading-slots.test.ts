import { SpreadingActivitySlots } from '../src/spreading-slots';

const ctx = { slotType: 'activity', taskQueue: 'q', workerIdentity: 'w', workerBuildId: '', isSticky: false } as never;
const used = (s: SpreadingActivitySlots) => s.markSlotUsed({ slotInfo: { type: 'activity', activityType: 'copyChunk' }, permit: {} });

test('an idle worker keeps exactly one poll open', () => {
  const slots = new SpreadingActivitySlots(100, 50, () => 0);
  expect(slots.tryReserveSlot(ctx)).not.toBeNull();
  expect(slots.tryReserveSlot(ctx)).toBeNull(); // a second poll would let one worker take a whole burst
});

test('a busy worker opens its next poll only after the ramp since its last task started', () => {
  let now = 1_000;
  const slots = new SpreadingActivitySlots(100, 50, () => now);
  slots.tryReserveSlot(ctx);
  used(slots);
  expect(slots.tryReserveSlot(ctx)).toBeNull();
  now += 49;
  expect(slots.tryReserveSlot(ctx)).toBeNull();
  now += 1;
  expect(slots.tryReserveSlot(ctx)).not.toBeNull();
});

test('a worker whose tasks all ended polls again at once; the maximum holds', () => {
  const slots = new SpreadingActivitySlots(2, 50, () => 0);
  slots.tryReserveSlot(ctx);
  used(slots);
  slots.releaseSlot({ slotInfo: { type: 'activity', activityType: 'copyChunk' }, permit: {} });
  expect(slots.tryReserveSlot(ctx)).not.toBeNull();
  used(slots);
  const late = new SpreadingActivitySlots(1, 0, () => 0);
  late.tryReserveSlot(ctx);
  used(late);
  expect(late.tryReserveSlot(ctx)).toBeNull(); // 1 of 1 in use
});

test('reserveSlot waits for the ramp or a release, and an abort ends the wait with the signal reason', async () => {
  const slots = new SpreadingActivitySlots(100, 30);
  await slots.reserveSlot(ctx, new AbortController().signal);
  used(slots);
  const started = Date.now();
  await slots.reserveSlot(ctx, new AbortController().signal);
  expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  const abort = new AbortController();
  const waiting = slots.reserveSlot(ctx, abort.signal); // one poll already open: waits
  abort.abort();
  await expect(waiting).rejects.toBe(abort.signal.reason);
  // A poll that ended without a task frees its place for another.
  slots.releaseSlot({ permit: {} });
  expect(slots.tryReserveSlot(ctx)).not.toBeNull();
});
