import { MockActivityEnvironment } from '@temporalio/testing';
import { ConnectionResolver } from '@sluice/activities';
import { finalizeTable } from '@sluice/activities/dist/sync/finalize-table';
import type { PostgresSession } from '@sluice/connector-postgres';
import type { SyncTableInput } from '@sluice/workflows';
import { pgQuery, pgUrl } from '../../test/helpers/databases';
import { registry } from '../../test/helpers/sync-fixtures';

// A finalize that rebuilds a slow index on real PostgreSQL keeps heartbeating while the build runs.
const schema = `fin_${process.pid}`;
const ROWS = 1_500;

beforeAll(async () => {
  await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pgQuery(`CREATE SCHEMA ${schema}`);
  await pgQuery(`CREATE TABLE ${schema}.items (id bigint PRIMARY KEY, name text)`);
  await pgQuery(`INSERT INTO ${schema}.items SELECT g, 'n' || g FROM generate_series(1, ${ROWS}) g`);
  // ~0.3 ms a row: a build of over a second, like a large table's.
  await pgQuery(`CREATE FUNCTION ${schema}.slow_key(x bigint) RETURNS bigint IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.0003); RETURN x; END $$`);
  await pgQuery(`CREATE INDEX items_slow_idx ON ${schema}.items (${schema}.slow_key(id))`);
});
afterAll(() => pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));

test('a finalize heartbeats while it rebuilds indexes, and the index is back once it returns', async () => {
  const connections = new ConnectionResolver(registry, () => Promise.reject(new Error('no catalog in this test')));
  const url = new URL(pgUrl());
  url.searchParams.set('schema', schema);
  const spec = { url: url.toString() };
  const table = { schema, name: 'items' };
  const { plugin, config } = registry.resolve(spec);
  const session = (await plugin.open(config)) as PostgresSession;
  const dropped = await session.dropIndexes(table);
  await session.close();
  expect(dropped.map((i) => i.name)).toEqual(['items_slow_idx']);

  const input: SyncTableInput = {
    source: spec,
    destination: spec,
    table: { source: table, destination: table, columns: ['id', 'name'], key: ['id'], mode: 'append', cursorColumn: null, createTable: false, rowEstimate: ROWS, ranges: null },
    options: { highPerformance: true, disableTriggers: false, disableForeignKeys: false, rebuildIndexes: true, identityInsert: false, fullRefresh: false, batchSize: 1000 },
    runKey: 'finalize-heartbeat',
  };
  const env = new MockActivityEnvironment();
  const beats: number[] = [];
  env.on('heartbeat', () => beats.push(Date.now()));
  const started = Date.now();
  await env.run(() =>
    finalizeTable(connections, { ...input, prepared: { target: table, droppedIndexes: dropped, droppedForeignKeys: [], triggersDisabled: false }, outcome: 'completed' }, 100),
  );
  const took = Date.now() - started;
  expect(took).toBeGreaterThan(800); // the build was slow enough to need heartbeats
  // One at the start, then about one per 100 ms until the build ends.
  expect(beats.length).toBeGreaterThanOrEqual(Math.floor(took / 100) - 2);
  expect(Math.max(...beats.slice(1).map((t, i) => t - beats[i]!))).toBeLessThan(500);
  const [idx] = await pgQuery<{ n: number }>(`SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = $1 AND indexname = 'items_slow_idx'`, [schema]);
  expect(idx).toEqual({ n: 1 });
  expect(connections.sessions.size).toBe(0); // the last activity of the table closed what it held
});
