/**
 * Driver objects that are EventEmitters (pools, connections, sockets) emit 'error' when their server
 * goes away between two calls: a restart, a terminated backend, a reset. An 'error' event nobody
 * listens for is thrown by Node and ends the worker process. Every connector hands each such object
 * to `absorbFaults` as soon as it exists: the event is recorded, never thrown, and the object is
 * marked broken so that the session (or the pool) drops it; the caller's next call fails with the
 * driver's own error, which the connector classifies and the activity retries on a fresh session.
 */
export interface FaultEmitter {
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** Which driver objects reported a fault (weakly held: a dropped connection is not kept alive). */
export class BrokenMarks {
  private readonly broken = new WeakSet<object>();
  private last: Error | undefined;

  mark(target: object, err?: unknown): void {
    this.broken.add(target);
    if (err instanceof Error) this.last = err;
  }

  has(target: object): boolean {
    return this.broken.has(target);
  }

  /** The last fault recorded (for a message; it carries the driver's text, never a secret of ours). */
  get lastFault(): Error | undefined {
    return this.last;
  }
}

export interface AbsorbOptions {
  /** Where the object is marked broken. */
  marks?: BrokenMarks;
  /** Events that also mean the object is done for (mysql2 'end', a socket's 'close'). */
  endEvents?: string[];
  /** Called with each fault, after marking (e.g. to drop a cached session). */
  onFault?: (err: unknown) => void;
}

/**
 * Listens for 'error' on `emitter` for as long as it lives (or until the returned function is
 * called): never thrown, marked in `options.marks`. Returns a function that stops listening.
 */
export function absorbFaults(emitter: FaultEmitter, options: AbsorbOptions = {}): () => void {
  const onError = (err: unknown) => {
    options.marks?.mark(emitter, err);
    options.onFault?.(err);
  };
  const onEnd = () => options.marks?.mark(emitter);
  emitter.on('error', onError);
  for (const event of options.endEvents ?? []) emitter.on(event, onEnd);
  return () => {
    emitter.removeListener('error', onError);
    for (const event of options.endEvents ?? []) emitter.removeListener(event, onEnd);
  };
}
