import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full
 * GC before it collects again, in percent (V8's `--heap-growing-percent`).
 *
 * Left to itself V8 picks a factor between 1.1 and 4, and up to 4 whenever
 * the heap limit is 2 GiB or more (Node's default on any machine with 8 GiB of
 * RAM or more) and allocation is fast. A sync is exactly that: every batch it
 * reads lives across the awaits of its write, so it is promoted to the old
 * generation and dies there; with 60-80 MiB live the heap then swings up to
 * ~300 MiB before each full GC, and the worker's RSS with it.
 *
 * 100 % (factor 2) took a 1M-row MariaDB → PostgreSQL sync of the wide table
 * from ~470 to ~320-390 MiB peak RSS at the same speed (within the noise,
 * ~3 %) on a 2-core machine; 50 % to ~300 MiB but ~13 % slower there (the
 * concurrent marking competes with the databases for the cores), so it is
 * left to SLUICE_HEAP_GROWING_PERCENT. It does not cap the heap: a job with
 * huge rows still gets the memory it needs.
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * Sets V8's heap growing factor for this process (its threads included), from
 * SLUICE_HEAP_GROWING_PERCENT when set (`0`: V8's own heuristics) or
 * HEAP_GROWING_PERCENT. For the processes Sluice starts to host a worker
 * (`sluice-worker`, `sluice dev`); call it before loading the rest. Returns the
 * percent set, or null when left to V8.
 */
export function limitHeapGrowth(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.SLUICE_HEAP_GROWING_PERCENT?.trim();
  const percent = raw ? Number(raw) : HEAP_GROWING_PERCENT;
  if (!Number.isInteger(percent) || percent < 0) {
    throw new Error(`SLUICE_HEAP_GROWING_PERCENT must be a whole number of percent (0: V8's own heuristics), not '${raw}'`);
  }
  // A flag given to node itself wins.
  if (percent === 0 || process.execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return null;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}

/**
 * The semi-space, in MiB, of the thread Temporal runs workflows in (its young
 * generation is twice that). Workflow code allocates little, yet V8 gives
 * every isolate up to 16 MiB semi-spaces and a thread's new space grows into
 * them over a long job: the workflow thread of a 10M-row sync held ~30 MiB of
 * young generation it had no use for. The worker's own thread, where rows are
 * decoded, keeps V8's size (smaller is slower there).
 */
export const WORKFLOW_THREAD_SEMI_SPACE_MB = 2;

/**
 * Runs `create` (which starts the workflow thread and resolves once it is up:
 * `Worker.create`) with V8's `--max-semi-space-size` at `semiSpaceMb`, then
 * puts it back to V8's own choice. The flag is read when an isolate is made,
 * so only isolates made meanwhile get it; this thread's heap is untouched.
 * From SLUICE_WORKFLOW_SEMI_SPACE_MB when set (`0`: V8's own), and not at all
 * when node itself was given `--max-semi-space-size` (that flag wins).
 */
export async function withWorkflowThreadSemiSpace<T>(create: () => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const raw = env.SLUICE_WORKFLOW_SEMI_SPACE_MB?.trim();
  const mb = raw ? Number(raw) : WORKFLOW_THREAD_SEMI_SPACE_MB;
  if (!Number.isInteger(mb) || mb < 0) {
    throw new Error(`SLUICE_WORKFLOW_SEMI_SPACE_MB must be a whole number of MiB (0: V8's own size), not '${raw}'`);
  }
  const given = [...process.execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--max[-_]semi[-_]space[-_]size\b/.test(a));
  if (mb === 0 || given) return create();
  setFlagsFromString(`--max-semi-space-size=${mb}`);
  try {
    return await create();
  } finally {
    setFlagsFromString('--max-semi-space-size=0'); // 0: sized by V8 from the heap limit, its default
  }
}
