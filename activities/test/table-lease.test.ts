import { claimTable, LEASE_MS, releaseTable } from '@sluice/activities/dist/sync/table-lease';
import type { ConnectorSession } from '@sluice/connector-sdk';
import { pgQuery } from '../../test/helpers/databases';
import { createMariaDb, dropMariaDb, mariaUrlFor, pgUrlFor, registry } from '../../test/helpers/sync-fixtures';

// The destination-side lease that keeps one writer per table, on both fencing engines, with a test clock.
const name = `lease_${process.pid}`;
const open = async (url: string) => {
  const { plugin, config } = registry.resolve({ url });
  return plugin.open(config);
};

describe.each([
  ['PostgreSQL', () => pgQuery(`CREATE SCHEMA ${name}`), () => pgQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`), () => pgUrlFor(name)],
  ['MariaDB', () => createMariaDb(name), () => dropMariaDb(name), () => mariaUrlFor(name)],
])('%s', (_engine, create, drop, url) => {
  let a: ConnectorSession;
  let b: ConnectorSession;
  beforeAll(async () => {
    await drop();
    await create();
    [a, b] = await Promise.all([open(url()), open(url())]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await drop();
  });

  test('a live lease refuses another run; a lapsed one is taken over; the old holder is then refused; release frees it', async () => {
    const table = { schema: name, name: 't' };
    let now = 1_000_000;
    const clock = () => now;
    await claimTable(a, table, 'run-a', clock);
    await claimTable(a, table, 'run-a', clock); // renewal
    await expect(claimTable(b, table, 'run-b', clock)).rejects.toMatchObject({ type: 'TABLE_BUSY', message: expect.stringContaining('run-a') });
    now += LEASE_MS + 1; // run-a's workers died: nothing renewed it
    await claimTable(b, table, 'run-b', clock);
    await expect(claimTable(a, table, 'run-a', clock)).rejects.toMatchObject({ type: 'TABLE_BUSY', message: expect.stringContaining('run-b') });
    await releaseTable(a, table, 'run-a'); // not its lease: a no-op
    await expect(claimTable(a, table, 'run-c', clock)).rejects.toMatchObject({ type: 'TABLE_BUSY' });
    await releaseTable(b, table, 'run-b');
    await claimTable(a, table, 'run-c', clock);
  });

  test('claims racing for a free table: exactly one wins', async () => {
    const table = { schema: name, name: 'raced' };
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_x, i) => claimTable(i % 2 ? a : b, table, `run-${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.type)).toEqual(Array(5).fill('TABLE_BUSY'));
  });
});
