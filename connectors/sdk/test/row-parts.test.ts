import { getEventListeners } from 'node:events';
import { rowsInParts, type RowSink } from '@sluice/connector-sdk';

/** A query stand-in that pushes `rows` rows of ~100 bytes, a few per tick, until done or stopped. */
function fakeQuery(rows: number, seen: { stopped: boolean }) {
  return (sink: RowSink, stop: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      let i = 0;
      stop.addEventListener('abort', () => ((seen.stopped = true), reject(new Error('aborted'))), { once: true });
      const tick = () => {
        if (stop.aborted) return;
        for (let n = 0; n < 7 && i < rows; n++, i++) sink.row([i, 'x'.repeat(92)]);
        if (i < rows) setImmediate(tick);
        else resolve();
      };
      tick();
    });
}

test('rows come out in order, in parts of about partBytes, the last part short', async () => {
  const parts: unknown[][][] = [];
  for await (const part of rowsInParts(fakeQuery(1000, { stopped: false }), 1_000)) parts.push(part);
  expect(parts.flat().map((r) => r[0])).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  expect(parts.slice(0, -1).every((p) => p.length === 10)).toBe(true); // 10 rows of 100 bytes each
  expect(parts.length).toBe(100);
});

test("a consumer that stops early stops the query; the caller's signal keeps no listener, however many reads", async () => {
  const signal = new AbortController().signal;
  for (let read = 0; read < 50; read++) {
    const seen = { stopped: false };
    let taken = 0;
    for await (const _ of rowsInParts(fakeQuery(1000, seen), 1_000, signal)) if (++taken === 3) break;
    expect(seen.stopped).toBe(true);
    for await (const _ of rowsInParts(fakeQuery(30, { stopped: false }), 1_000, signal)) taken++;
  }
  expect(getEventListeners(signal, 'abort')).toHaveLength(0);
});

test('an abort of the caller stops the query and the parts', async () => {
  const controller = new AbortController();
  const seen = { stopped: false };
  let taken = 0;
  for await (const _ of rowsInParts(fakeQuery(10_000, seen), 1_000, controller.signal)) {
    taken++;
    controller.abort();
  }
  expect(taken).toBe(1);
  expect(seen.stopped).toBe(true);
});

test("the query's error reaches the consumer", async () => {
  const failing = (sink: RowSink) => new Promise<void>((_, reject) => setImmediate(() => (sink.row([1]), reject(new Error('server went away')))));
  await expect(async () => {
    for await (const _ of rowsInParts(failing, 1_000)) void _;
  }).rejects.toThrow('server went away');
});
