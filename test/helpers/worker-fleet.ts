import { SluiceClient } from '@sluice/client';
import { startDevServer, type DevServer } from '@sluice/cli';
import { dropPgSchema, pgItems, pgUrlFor, uniqueName } from './sync-fixtures';
import { pgQuery, pgUrl } from './databases';
import { WorkerProcess } from './worker-process';
import { createProxy, hostPortOf, type Proxy } from './toxiproxy';

/** A dev server, standalone worker processes on one task queue, a source table and a slowed destination. */
export interface WorkerFleet {
  server: DevServer;
  client: SluiceClient;
  taskQueue: string;
  workers: WorkerProcess[];
  /** The PostgreSQL destination through Toxiproxy, each answer slowed by 10 ms so a table takes several ~3 s chunks. */
  slow: Proxy;
  /** Schema holding `items` with the fleet's rows. */
  src: string;
  /** Empty destination schema. */
  dst: string;
  /** Starts the fleet's copy: `src.items` into `dst` through the slowed proxy, 500-row batches, 40,000-row lanes; the job id. */
  startCopy(): Promise<string>;
}

/**
 * Jest hooks giving the file a fleet of `workers` worker processes (each with `env`) polling one
 * task queue of a fresh dev server, `rows` rows in `src.items`, and an empty `dst` reached through a
 * slowed proxy; everything is stopped and dropped after the file.
 */
export function useWorkerFleet(prefix: string, options: { workers: number; rows: number; env?: Record<string, string> }): WorkerFleet {
  const fleet = {
    src: uniqueName(`${prefix}_src`),
    dst: uniqueName(`${prefix}_dst`),
    workers: [] as WorkerProcess[],
    startCopy: () =>
      fleet.client.startSync({
        source: { url: pgUrlFor(fleet.src) },
        destination: { url: fleet.slow.via(pgUrlFor(fleet.dst)) },
        tables: [{ schema: fleet.src, name: 'items' }],
        createTables: true,
        batchSize: 500,
        splitRows: 40_000,
      }),
  } as WorkerFleet;
  beforeAll(async () => {
    fleet.server = await startDevServer({ headless: true });
    fleet.taskQueue = `${prefix}-${process.pid}-${Date.now()}`;
    for (let i = 0; i < options.workers; i++) fleet.workers.push(new WorkerProcess(fleet.server.address, fleet.taskQueue, options.env));
    await pgItems(fleet.src, options.rows);
    await pgQuery(`CREATE SCHEMA "${fleet.dst}"`);
    fleet.slow = await createProxy(`${prefix}_dst`, hostPortOf(pgUrl()));
    await fleet.slow.addToxic({ type: 'latency', attributes: { latency: 10 } });
    await Promise.all(fleet.workers.map((w) => w.ready()));
    fleet.client = await SluiceClient.connect({ address: fleet.server.address, taskQueue: fleet.taskQueue });
  }, 120_000);
  afterAll(async () => {
    for (const w of fleet.workers) w.kill();
    await fleet.client?.close();
    await fleet.slow?.delete();
    await fleet.server?.stop();
    await dropPgSchema(fleet.src);
    await dropPgSchema(fleet.dst);
  });
  return fleet;
}
