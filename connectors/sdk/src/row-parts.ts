/** Roughly what a decoded row weighs: its texts' lengths, its buffers' bytes, 8 for anything else. */
export function approximateRowBytes(row: unknown[]): number {
  let bytes = 0;
  for (const v of row) bytes += typeof v === 'string' ? v.length : Buffer.isBuffer(v) ? v.length : 8;
  return Math.max(1, bytes);
}

/** Where a driver's query pushes its rows for `rowsInParts`. */
export interface RowSink {
  /** One decoded row, in order. */
  row(row: unknown[]): void;
  /** Two parts wait unread: a source that can should pause and resume in `onCatchUp`. */
  readonly behind: boolean;
  /** Set by a paused source; called (once, then cleared) when the consumer catches up. */
  onCatchUp: (() => void) | null;
}

/**
 * The rows of one streamed query in parts of about `partBytes`
 * (`ReadOptions.partBytes`), handed out as soon as each is full, so the rows
 * of a large page are never all alive at once. `run` starts the query,
 * pushes each row into the sink and settles when the result ends; it must
 * stop (reject) when `stop` aborts, which happens on `signal` and when the
 * consumer stops early. Parts still queued after an abort are not handed out.
 */
export async function* rowsInParts(
  run: (sink: RowSink, stop: AbortSignal) => Promise<void>,
  partBytes: number,
  signal?: AbortSignal,
): AsyncGenerator<unknown[][]> {
  // Not AbortSignal.any: a composite signal with a listener stays alive until its source aborts
  // (Node keeps it from GC), and with it every page's closure: a 10M-row read leaked ~500 MiB.
  const stopper = new AbortController();
  const stop = stopper.signal;
  const abort = () => stopper.abort();
  signal?.addEventListener('abort', abort, { once: true });
  if (signal?.aborted) stopper.abort();
  const parts: unknown[][][] = [];
  let part: unknown[][] = [];
  let bytes = 0;
  let ended = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const sink: RowSink = {
    row(row) {
      part.push(row);
      bytes += approximateRowBytes(row);
      if (bytes < partBytes) return;
      parts.push(part);
      part = [];
      bytes = 0;
      notify();
    },
    get behind() {
      return parts.length >= 2;
    },
    onCatchUp: null,
  };
  const done = run(sink, stop)
    .then(
      () => {
        if (part.length) parts.push(part);
        part = [];
      },
      (err: unknown) => void (failure = err),
    )
    .finally(() => {
      ended = true;
      notify();
    });
  try {
    for (;;) {
      if (stop.aborted) return; // the finally waits for the query to stop
      const next = parts.shift();
      if (next) {
        if (sink.onCatchUp && parts.length < 2) {
          const resume = sink.onCatchUp;
          sink.onCatchUp = null;
          resume();
        }
        yield next;
        continue;
      }
      if (ended) {
        if (failure) throw failure;
        return;
      }
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    if (!ended) {
      stopper.abort();
      await done;
    }
  }
}
