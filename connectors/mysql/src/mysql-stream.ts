import type { Connection as CoreConnection } from 'mysql2';
import { rowsInParts } from '@sluice/connector-sdk';
import type { MysqlContext } from './mysql-session';

/**
 * The rows of one query (as arrays, each through `decode` in place as it is
 * parsed) in parts of about `partBytes` (SDK `rowsInParts`). The connection
 * streams, paused while two parts wait unread, and is held until the result
 * ends; a consumer that stops early (or the signal) destroys it, as a
 * half-read result cannot go back to the pool.
 */
export function streamRows(
  ctx: MysqlContext,
  sql: string,
  values: unknown[],
  partBytes: number,
  decode: (row: unknown[]) => void,
  signal?: AbortSignal,
): AsyncGenerator<unknown[][]> {
  return rowsInParts(
    (sink, stop) =>
      ctx.withConnection(
        (c) =>
          new Promise<void>((resolve, reject) => {
            // withConnection destroys the connection on abort; a destroyed connection does not always end its query.
            const aborted = () => reject(new Error('aborted'));
            stop.addEventListener('abort', aborted, { once: true });
            // The callback connection under the promise wrapper (typed as the wrapper's): its query is an event emitter.
            const conn = c.connection as unknown as CoreConnection;
            // A query without a callback on a closed connection reports its error on the connection, not the query.
            const lost = (err: unknown) => reject(err);
            conn.on('error', lost);
            const settle = <T>(fn: (value: T) => void) => (value: T) => {
              stop.removeEventListener('abort', aborted);
              conn.removeListener('error', lost);
              fn(value);
            };
            resolve = settle(resolve);
            reject = settle(reject);
            let paused = false;
            conn
              .query({ sql, values, rowsAsArray: true })
              .on('result', (row: unknown) => {
                try {
                  decode(row as unknown[]);
                } catch (err) {
                  // Thrown here it would escape into the driver's socket handler: fail the read instead.
                  reject(err);
                  conn.destroy();
                  return;
                }
                sink.row(row as unknown[]);
                if (sink.behind && !paused) {
                  paused = true;
                  conn.pause();
                  sink.onCatchUp = () => ((paused = false), conn.resume());
                }
              })
              .on('error', reject)
              .on('end', () => {
                // A result can end within the chunk that paused it: a paused connection back in the pool would never read again.
                if (paused) {
                  sink.onCatchUp = null;
                  paused = false;
                  conn.resume();
                }
                resolve();
              });
          }),
        stop,
      ),
    partBytes,
    signal,
  );
}
