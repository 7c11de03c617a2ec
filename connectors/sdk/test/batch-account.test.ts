import { batchNotTaken, dedupeByKey, expectBatchTaken } from '../src/batch-account';

test('dedupeByKey keeps the last row of each key, in first-seen order; numbers and their text are one key, bytes by content', () => {
  expect(dedupeByKey([[1, 'a'], [2, 'b'], [1, 'c']], [0])).toEqual([[2, 'b'], [1, 'c']]);
  expect(dedupeByKey([[1, 'a'], ['1', 'b']], [0])).toEqual([['1', 'b']]);
  expect(dedupeByKey([[10n, 'a'], ['10', 'b']], [0])).toEqual([['10', 'b']]);
  expect(dedupeByKey([[Buffer.from([1]), 'a'], [Buffer.from([1]), 'b'], [Buffer.from([2]), 'c']], [0]).map((r) => r[1])).toEqual(['b', 'c']);
  // Bytes are never equal to text that spells their hex.
  expect(dedupeByKey([[Buffer.from([1]), 'a'], ['01', 'b']], [0])).toHaveLength(2);
  // Composite keys: every column counts; NULL is a value like any other here.
  expect(dedupeByKey([[1, 'x', 'a'], [1, 'y', 'b'], [1, 'x', 'c'], [null, 'x', 'd'], [null, 'x', 'e']], [0, 1]).map((r) => r[2])).toEqual(['b', 'c', 'e']);
  const untouched = [[1], [2]];
  expect(dedupeByKey(untouched, [0])).toBe(untouched);
});

test('a batch the destination did not take whole fails, naming the statement, the table and both counts', () => {
  expect(() => expectBatchTaken('INSERT', 's.t', 3, 3)).not.toThrow();
  const error = batchNotTaken({ what: 'MERGE', table: 's.t', took: 2, sent: 3, detail: 'first key not in the table: (id) = [2]' });
  expect(error.message).toMatch(/^MERGE into s\.t took 2 of 3 rows; first key not in the table: \(id\) = \[2\]: the batch is rolled back \(a trigger/);
  expect(error.retryable).toBe(false);
  expect(() => expectBatchTaken('bulk load', 's.t', 4, 3)).toThrow(/^bulk load into s\.t took 4 of 3 rows: the batch is rolled back/);
});
