/** The engines at either end of a copy (connector types, e.g. `mysql` → `postgresql`). */
export interface EnginePair {
  source: string;
  destination: string;
}

/**
 * What activities report about the rows they move. The worker passes an
 * implementation (Prometheus counters in @sluice/worker); activities know
 * nothing of HTTP or of any metrics library.
 */
export interface ActivityMetrics {
  /** Rows read from the source (a batch arrived; it may still roll back). */
  rowsRead(pair: EnginePair, rows: number): void;
  /**
   * A batch and its checkpoint committed in the destination, after `seconds`
   * of writing; `bytes` where the copy path knows them (engine COPY text).
   */
  batchCommitted(pair: EnginePair, rows: number, seconds: number, bytes?: number): void;
}

/** Reports nothing: activities hosted without metrics. */
export const NO_METRICS: ActivityMetrics = {
  rowsRead: () => undefined,
  batchCommitted: () => undefined,
};
