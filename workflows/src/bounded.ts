import { CancellationScope } from '@temporalio/workflow';

/**
 * Runs `work` over `items`, at most `limit` at a time (the SDK has no limiter
 * for children). The first failure cancels the rest, then is rethrown.
 */
export async function runBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let firstError: unknown;
  const scope = new CancellationScope();
  await scope.run(async () => {
    let next = 0;
    const lane = async () => {
      while (next < items.length && firstError === undefined) {
        const item = items[next++]!;
        try {
          await work(item);
        } catch (err) {
          if (firstError === undefined) {
            firstError = err;
            scope.cancel();
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  });
  if (firstError !== undefined) throw firstError;
}
