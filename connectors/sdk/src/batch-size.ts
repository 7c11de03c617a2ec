/**
 * The rows of a read's next page under `ReadOptions.batchBytes`: as many as
 * make about `batchBytes` at the last page's `bytesPerRow`, never fewer than
 * `batchSize` nor more than 10× it.
 */
export function grownBatchSize(batchSize: number, batchBytes: number, bytesPerRow: number): number {
  return Math.min(10 * batchSize, Math.max(batchSize, Math.floor(batchBytes / Math.max(1, bytesPerRow))));
}
