import type { SyncJob } from '@sluice/client';
import { checksumOf, pgUrlFor } from './helpers/sync-fixtures';
import { chunkWorkers } from './helpers/history';
import { useWorkerFleet } from './helpers/worker-fleet';

// Three worker processes poll one task queue; one large table is copied in key-range lanes. The
// lanes' chunks must spread over the workers (a worker that ran the workflow task would otherwise
// take every activity it scheduled, by eager dispatch), and the copy is exact.
const ROWS = 160_000;
const fleet = useWorkerFleet('multi', { workers: 3, rows: ROWS });

test('one table in 4 lanes over 3 worker processes: its chunks run on at least 2 of them, rows exact', async () => {
  const id = await fleet.startCopy();
  const job = await fleet.client.waitForJob<SyncJob>(id);
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  expect(await checksumOf(pgUrlFor(fleet.dst), fleet.dst, 'items')).toEqual(await checksumOf(pgUrlFor(fleet.src), fleet.src, 'items'));
  const identities = await chunkWorkers(fleet.client, id);
  console.log(`copyChunk attempts by worker: ${JSON.stringify(Object.entries(identities.reduce<Record<string, number>>((m, i) => ((m[i] = (m[i] ?? 0) + 1), m), {})))}`);
  expect(identities.length).toBeGreaterThanOrEqual(4);
  expect(new Set(identities).size).toBeGreaterThanOrEqual(2);
  // Spread, not merely touched: no worker ran more than 3 in 4 of them (before: 8 of 8 on one).
  const busiest = Math.max(...[...new Set(identities)].map((w) => identities.filter((i) => i === w).length));
  expect(busiest / identities.length).toBeLessThanOrEqual(0.75);
  for (const w of fleet.workers) w.expectAlive();
}, 180_000);
