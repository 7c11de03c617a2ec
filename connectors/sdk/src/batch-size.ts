/**
 * The rows of a read's next page under `ReadOptions.batchBytes`: as many as
 * make about `batchBytes` at the last page's `bytesPerRow`, up to 10×
 * `batchSize` (narrow rows: fewer, larger transactions) and down to `floor`
 * (`batchSize` unless the reader holds whole pages and lets wide rows make
 * smaller pages).
 */
export function grownBatchSize(batchSize: number, batchBytes: number, bytesPerRow: number, floor = batchSize): number {
  const rows = Math.floor(batchBytes / Math.max(1, bytesPerRow));
  return Math.min(10 * batchSize, Math.max(floor, rows));
}
