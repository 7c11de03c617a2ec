import { Worker } from 'node:worker_threads';
import { HEAP_GROWING_PERCENT, limitHeapGrowth, withWorkflowThreadSemiSpace } from '../src/heap';

test('the heap growing percent comes from SLUICE_HEAP_GROWING_PERCENT, else the default; 0 leaves V8 its own', () => {
  expect(limitHeapGrowth({})).toBe(HEAP_GROWING_PERCENT);
  expect(limitHeapGrowth({ SLUICE_HEAP_GROWING_PERCENT: ' 50 ' })).toBe(50);
  expect(limitHeapGrowth({ SLUICE_HEAP_GROWING_PERCENT: '0' })).toBeNull();
  expect(() => limitHeapGrowth({ SLUICE_HEAP_GROWING_PERCENT: '1.5x' })).toThrow(/whole number of percent/);
  expect(() => limitHeapGrowth({ SLUICE_HEAP_GROWING_PERCENT: '-5' })).toThrow(/whole number of percent/);
  limitHeapGrowth(); // back to the default for the rest of this process
});

// A thread that allocates for a while, then reports the MiB its young generation (new space) grew to.
const CHURN = `
  const v8 = require('node:v8');
  let keep = [];
  for (let i = 0; i < 3e6; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 20000) keep = []; }
  const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
  require('node:worker_threads').parentPort.postMessage(s.space_size / 1048576);`;
/** Starts a churning thread; `online` resolves once its isolate exists, `newSpace` with its report. */
function churnThread() {
  const w = new Worker(CHURN, { eval: true });
  const online = new Promise<void>((resolve) => w.once('online', () => resolve()));
  const newSpace = new Promise<number>((resolve, reject) => w.once('message', resolve).once('error', reject));
  return { online, newSpace: newSpace.finally(() => w.terminate()) };
}

test('a thread started while creating the worker gets small semi-spaces; threads after it get V8\'s own', async () => {
  let during!: ReturnType<typeof churnThread>;
  await withWorkflowThreadSemiSpace(async () => {
    during = churnThread();
    await during.online;
  }, {});
  const after = churnThread();
  expect(await during.newSpace).toBeLessThanOrEqual(4); // 2 MiB semi-spaces
  expect(await after.newSpace).toBeGreaterThan(8);
  expect(await withWorkflowThreadSemiSpace(async () => 'made', { SLUICE_WORKFLOW_SEMI_SPACE_MB: '0' })).toBe('made');
  await expect(withWorkflowThreadSemiSpace(async () => 'x', { SLUICE_WORKFLOW_SEMI_SPACE_MB: 'big' })).rejects.toThrow(/SLUICE_WORKFLOW_SEMI_SPACE_MB must be a whole number/);
});
