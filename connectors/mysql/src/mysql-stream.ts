import type { Connection as CoreConnection } from 'mysql2';
import type { MysqlContext } from './mysql-session';

/**
 * The rows of one query (as arrays) in parts of about `partBytes`, as they
 * arrive: each row goes through `onRow` (decoding in place) when it is
 * parsed, and a part is handed out as soon as it is full, so the rows of a
 * large page are never all alive at once. The connection streams, paused
 * while two parts wait unread, and is held until the result ends; a consumer
 * that stops early (or the signal) destroys it, as a half-read result cannot
 * go back to the pool.
 */
export async function* streamRows(
  ctx: MysqlContext,
  sql: string,
  values: unknown[],
  partBytes: number,
  onRow: (row: unknown[]) => number,
  signal?: AbortSignal,
): AsyncGenerator<unknown[][]> {
  const stop = new AbortController();
  const parts: unknown[][][] = [];
  let ended = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  // Set while the connection is paused (written in the driver's callbacks, read by the consumer).
  const paused: { resume: (() => void) | null } = { resume: null };
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const aborted = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const done = ctx
    .withConnection(
      (c) =>
        new Promise<void>((resolve, reject) => {
          // withConnection destroys the connection on abort; a destroyed connection does not always end its query.
          aborted.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
          // The callback connection under the promise wrapper (typed as the wrapper's): its query is an event emitter.
          const conn = c.connection as unknown as CoreConnection;
          let part: unknown[][] = [];
          let bytes = 0;
          conn
            .query({ sql, values, rowsAsArray: true })
            .on('result', (row: unknown) => {
              const r = row as unknown[];
              try {
                bytes += onRow(r);
              } catch (err) {
                // Thrown here it would escape into the driver's socket handler: fail the read instead.
                reject(err);
                stop.abort();
                return;
              }
              part.push(r);
              if (bytes < partBytes) return;
              parts.push(part);
              part = [];
              bytes = 0;
              if (parts.length >= 2 && !paused.resume) {
                conn.pause();
                paused.resume = () => conn.resume();
              }
              notify();
            })
            .on('error', reject)
            .on('end', () => {
              if (part.length) parts.push(part);
              // A result can end within the chunk that paused it: a paused connection back in the pool would never read again.
              if (paused.resume) {
                paused.resume = null;
                conn.resume();
              }
              resolve();
            });
        }),
      aborted,
    )
    .then(
      () => undefined,
      (err: unknown) => void (failure = err),
    )
    .finally(() => {
      ended = true;
      notify();
    });
  try {
    for (;;) {
      // Aborted: stop handing out parts (the finally destroys the connection).
      if (signal?.aborted) return;
      const part = parts.shift();
      if (part) {
        if (paused.resume && parts.length < 2) {
          const resume = paused.resume;
          paused.resume = null;
          resume();
        }
        yield part;
        continue;
      }
      if (ended) {
        if (failure) throw failure;
        return;
      }
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    if (!ended) {
      stop.abort();
      await done;
    }
  }
}
