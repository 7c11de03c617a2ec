import { BufferPool } from '@sluice/connector-sdk';

describe('BufferPool', () => {
  test('hands back the smallest spare that fits, else a new buffer of the size asked', () => {
    const pool = new BufferPool(3);
    const small = Buffer.alloc(10);
    const big = Buffer.alloc(100);
    pool.give(big);
    pool.give(small);
    pool.give(small); // twice: kept once
    expect(pool.size).toBe(2);
    expect(pool.take(5)).toBe(small);
    expect(pool.take(5)).toBe(big);
    const fresh = pool.take(50);
    expect(fresh.length).toBe(50);
    expect(pool.size).toBe(0);
  });

  test('keeps at most `keep` spares, the largest ones; keep 0 keeps none', () => {
    const pool = new BufferPool(2);
    const [a, b, c] = [Buffer.alloc(10), Buffer.alloc(30), Buffer.alloc(20)];
    pool.give(a);
    pool.give(b);
    pool.give(c); // replaces the 10-byte one
    expect(pool.size).toBe(2);
    expect(pool.take(1)).toBe(c);
    expect(pool.take(1)).toBe(b);
    const none = new BufferPool(0);
    none.give(a);
    expect(none.size).toBe(0);
    expect(none.take(10)).not.toBe(a);
  });
});

test('spares are dropped once nothing was taken for idleMs', async () => {
  const pool = new BufferPool(2, 300);
  pool.give(Buffer.alloc(10));
  await new Promise((r) => setTimeout(r, 200));
  pool.take(100); // a take keeps the spares another idleMs
  pool.give(Buffer.alloc(20));
  pool.give(Buffer.alloc(30));
  await new Promise((r) => setTimeout(r, 150));
  expect(pool.size).toBe(2); // 350 ms after the first give, 150 ms after the take
  await new Promise((r) => setTimeout(r, 600));
  expect(pool.size).toBe(0);
});
