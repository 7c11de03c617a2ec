import { SessionCache } from '@sluice/activities';
import type { ConnectorSession } from '@sluice/connector-sdk';
import { postgresConnector, type PostgresConfig, type PostgresSession } from '@sluice/connector-postgres';
import { pgQuery, pgUrl } from '../../test/helpers/databases';

// The cache hands real PostgreSQL sessions from one activity to the next; what it holds shows in pg_stat_activity.
const config = (): PostgresConfig => {
  const u = new URL(pgUrl());
  return { host: u.hostname, port: Number(u.port), username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) } as PostgresConfig;
};
const openConnections = async () =>
  Number((await pgQuery<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1`, [`sluice:${process.pid}`]))[0]!.n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a session given back is taken again (same server process), then closed after the idle time', async () => {
  const cache = new SessionCache(300);
  const key = SessionCache.keyOf(postgresConnector.type, config());
  const session = await postgresConnector.open(config());
  const pidOf = async (s: ConnectorSession) =>
    (await (s as PostgresSession).withClient((c) => c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))).rows[0]!.pid;
  const pid = await pidOf(session);
  await cache.give(key, postgresConnector, session);
  expect(cache.size).toBe(1);
  expect(cache.take(SessionCache.keyOf(postgresConnector.type, { ...config(), database: 'other' }))).toBeUndefined();
  const again = cache.take(key)!;
  expect(again.session).toBe(session);
  expect(await pidOf(again.session)).toBe(pid);
  await cache.give(key, postgresConnector, again.session);
  expect(await openConnections()).toBe(1);
  await sleep(600);
  expect(cache.size).toBe(0);
  expect(cache.take(key)).toBeUndefined();
  expect(await openConnections()).toBe(0);
});

test('closeIdle closes at once; no more than perKey sessions are kept', async () => {
  const cache = new SessionCache(60_000, 2);
  const key = SessionCache.keyOf(postgresConnector.type, config());
  const sessions = await Promise.all([1, 2, 3].map(() => postgresConnector.open(config())));
  for (const s of sessions) await cache.give(key, postgresConnector, s);
  expect(cache.size).toBe(2);
  expect(await openConnections()).toBe(2); // the third was closed, not kept
  await cache.closeIdle([key]);
  expect(cache.size).toBe(0);
  expect(await openConnections()).toBe(0);
});

test('the key is a hash: no part of the config, its password included, is readable in it', () => {
  const key = SessionCache.keyOf(postgresConnector.type, { ...config(), password: 'hunter2-secret' });
  expect(key).not.toContain('hunter2');
  expect(key).not.toContain(config().host);
  expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
});
