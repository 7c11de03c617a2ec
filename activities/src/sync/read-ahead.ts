/**
 * Yields the batches of `source` with the next one already being read: the
 * source's page query runs while the consumer writes the current batch, so
 * source and destination work at the same time instead of taking turns (a
 * reader that fetches one page per `next()` otherwise sits idle during every
 * write). One batch ahead at most, so memory stays bounded by two batches.
 *
 * A consumer that stops early (break, error, cancel) returns the source after
 * the batch in flight settles: its connection goes back to the pool, the
 * batch goes to `drop` (a page buffer back to its pool, not left to the GC),
 * and its error, if any, is dropped (the consumer already stopped for its own reason).
 *
 * `ahead()`, asked as each batch is handed out, says whether to read the next
 * one meanwhile: a consumer that will stop after this batch (its time is up)
 * says no, so that no page is read only to be dropped and read again.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, drop?: (unused: T) => void, ahead: () => boolean = () => true): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = it.next();
  let finished = false;
  try {
    for (;;) {
      const current: IteratorResult<T> = await (pending ?? it.next());
      pending = null;
      if (current.done) {
        finished = true;
        return;
      }
      if (ahead()) {
        pending = it.next();
        pending.catch(() => undefined); // awaited on the next turn or in finally
      }
      yield current.value;
    }
  } finally {
    if (!finished) {
      const unused = pending ? await pending.catch(() => undefined) : undefined;
      if (unused && !unused.done) drop?.(unused.value);
      await it.return?.().catch(() => undefined);
    }
  }
}
