import { readAhead } from '@sluice/activities/dist/sync/read-ahead';

// A source that records what was read from it and whether it was closed.
function pages(n: number) {
  const log = { read: 0, closed: false };
  async function* gen() {
    try {
      for (let i = 1; i <= n; i++) {
        log.read = i;
        yield i;
      }
    } finally {
      log.closed = true;
    }
  }
  return { log, source: gen() };
}

test('reads one page ahead and yields every page in order', async () => {
  const { log, source } = pages(5);
  const seen: number[] = [];
  for await (const p of readAhead(source)) {
    seen.push(p);
    await new Promise((r) => setImmediate(r));
    expect(log.read).toBe(Math.min(5, p + 1)); // the next page was read while this one was handled
  }
  expect(seen).toEqual([1, 2, 3, 4, 5]);
  expect(log.closed).toBe(true);
});

test('a consumer that stops early gets the page read ahead handed to drop, and the source is closed', async () => {
  const { log, source } = pages(5);
  const dropped: number[] = [];
  for await (const p of readAhead(source, (unused) => dropped.push(unused))) {
    if (p === 2) break;
  }
  expect(dropped).toEqual([3]);
  expect(log.closed).toBe(true);
  expect(log.read).toBe(3);
});

test('nothing is dropped when the source ended', async () => {
  const { source } = pages(2);
  const dropped: number[] = [];
  for await (const p of readAhead(source, (unused) => dropped.push(unused))) if (p === 2) break;
  expect(dropped).toEqual([]);
});

test('no page is read ahead when the consumer says it stops after this one; asked again, it reads on', async () => {
  const { log, source } = pages(5);
  const dropped: number[] = [];
  const seen: number[] = [];
  // The consumer's time runs out with page 2 (it would stop after it), then it goes on once more anyway.
  for await (const p of readAhead(source, (unused) => dropped.push(unused), () => log.read !== 2)) {
    seen.push(p);
    await new Promise((r) => setImmediate(r));
    if (p === 2) expect(log.read).toBe(2); // nothing read during page 2
    if (p === 3) break;
  }
  expect(seen).toEqual([1, 2, 3]);
  expect(log.read).toBe(4); // page 3 asked for page 4 ahead again: dropped, as before
  expect(dropped).toEqual([4]);
  expect(log.closed).toBe(true);
});
