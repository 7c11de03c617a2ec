import { createServer, connect, type Server, type Socket } from 'node:net';
import { ConnectorRegistry, type ConnectorPlugin, type ConnectorSession, type RowBatch } from '@sluice/connector-sdk';
import mysql, { type MysqlConfig } from '@sluice/connector-mysql';
import { admin } from './fixture';

// A database fault never kills the worker: connections the server kills (idle in the pool, or mid-query)
// emit 'error' into listeners, the session drops them, and a query fails retryably or runs on a fresh one.
const url = process.env.SLUICE_MARIADB_URL;
const run = url ? describe : describe.skip;
const registry = new ConnectorRegistry().register(mysql as ConnectorPlugin);
const configOf = (u: string) => registry.resolve({ url: u }).config as MysqlConfig;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

run('MySQL/MariaDB: database faults', () => {
  let db: Awaited<ReturnType<typeof admin>>;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  const sessions: ConnectorSession[] = [];
  const open = async (maxConnections = 3) => {
    const s = await mysql.open(configOf(url!), { maxConnections });
    sessions.push(s);
    return s;
  };
  /** This process's Sluice connections, by id. */
  const ours = async (): Promise<number[]> =>
    (await db.query(
      `SELECT a.PROCESSLIST_ID AS id FROM performance_schema.session_connect_attrs a
         JOIN performance_schema.session_connect_attrs p ON p.PROCESSLIST_ID = a.PROCESSLIST_ID
       WHERE a.ATTR_NAME = 'program_name' AND a.ATTR_VALUE = 'sluice' AND p.ATTR_NAME = '_pid' AND p.ATTR_VALUE = '${process.pid}'`,
    )).map((r) => Number(r.id));
  const killAll = async () => {
    const ids = await ours();
    for (const id of ids) await db.exec(`KILL CONNECTION ${id}`).catch(() => undefined);
    return ids;
  };
  /** Succeeds, or fails with a retryable error (and the next try succeeds). */
  const worksOrRetryable = async (session: ConnectorSession) => {
    const first = await session.listDatabases().then(() => null, (err: unknown) => err);
    if (first) expect(first).toMatchObject({ retryable: true });
    expect(await session.listDatabases()).toEqual(expect.any(Array));
  };

  beforeAll(async () => {
    db = await admin();
    process.on('uncaughtException', onUncaught);
  });
  afterEach(() => {
    expect(uncaught).toEqual([]);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    for (const s of sessions) await s.close().catch(() => undefined);
    await db.close();
  });

  test('idle pooled connections killed by the server: the process lives, the session recovers', async () => {
    const session = await open();
    // Three connections in the pool, all idle afterwards.
    await Promise.all([1, 2, 3].map(() => session.listDatabases()));
    const killed = await killAll();
    expect(killed.length).toBeGreaterThanOrEqual(2);
    await sleep(300);
    expect(uncaught).toEqual([]);
    await worksOrRetryable(session);
    await worksOrRetryable(session);
    // Killed twice over: the replacements as well.
    await killAll();
    await sleep(300);
    await worksOrRetryable(session);
    const fresh = await open();
    expect(await fresh.listDatabases()).toEqual(expect.any(Array));
  });

  test('a connection killed mid-query fails the query retryably; the session goes on', async () => {
    const session = await open();
    await session.listDatabases();
    const running = session.countRows!({ schema: 'information_schema', name: 'COLUMNS' }).then(
      () => (session as unknown as { ctx: { query(sql: string): Promise<unknown> } }).ctx.query('SELECT SLEEP(5)'),
    );
    await sleep(400);
    await killAll();
    await expect(running).rejects.toMatchObject({ retryable: true });
    await sleep(200);
    await worksOrRetryable(session);
  });

  test('a connection killed while the session holds it between statements: the next statement fails retryably', async () => {
    const session = await open();
    const ctx = (session as unknown as { ctx: { withConnection<T>(fn: (c: { query(sql: string): Promise<unknown>; connection: { query(sql: string): unknown } }) => Promise<T>): Promise<T> } }).ctx;
    const held = ctx.withConnection(async (c) => {
      await c.query('SELECT 1');
      await killAll();
      await sleep(300);
      // A query without a callback on the closed connection emits 'error' on the connection: with no listener
      // left (mysql2's own is a `once`), that threw.
      c.connection.query('SELECT 2');
      await c.query('SELECT 3');
    });
    await expect(held).rejects.toMatchObject({ retryable: true });
    await sleep(100);
    await worksOrRetryable(session);
  });

  test('a streamed read whose connection is killed fails retryably', async () => {
    const session = await open();
    const read = (async () => {
      let n = 0;
      for await (const batch of session.read({ schema: 'information_schema', name: 'COLLATIONS' }, { key: ['ID'], batchSize: 1, partBytes: 64 }) as AsyncIterable<RowBatch>) {
        n += batch.rows.length;
        if (n === 2) await killAll();
        await sleep(20);
      }
      return n;
    })();
    const outcome = await read.then((n) => ({ n }), (err: { retryable?: boolean }) => ({ retryable: err.retryable }));
    // The kill lands between pages (a fresh connection reads on) or inside one (a retryable failure).
    if ('retryable' in outcome) expect(outcome.retryable).toBe(true);
    await sleep(200);
    await worksOrRetryable(session);
  });

  /** A TCP proxy to the server that can reset (RST) every client socket: ECONNRESET on idle and busy connections. */
  async function resettingProxy(): Promise<{ url: string; reset(): void; close(): Promise<void> }> {
    const target = new URL(url!);
    const sockets: Socket[] = [];
    const open: Socket[] = [];
    const server: Server = createServer((client) => {
      const upstream = connect(Number(target.port || 3306), target.hostname);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
      sockets.push(client);
      open.push(client, upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const proxied = new URL(url!);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(port);
    return {
      url: proxied.toString(),
      reset: () => sockets.splice(0).forEach((s) => s.resetAndDestroy()),
      close: () => new Promise((resolve) => (server.close(() => resolve()), open.forEach((s) => s.destroy()))),
    };
  }

  test('connections reset by the network (idle, in a transaction, mid-query): the process lives, errors are retryable', async () => {
    const proxy = await resettingProxy();
    try {
      const session = await mysql.open(configOf(proxy.url), { maxConnections: 3 });
      sessions.push(session);
      await Promise.all([1, 2, 3].map(() => session.listDatabases()));
      const ctx = (session as unknown as { ctx: { query(sql: string): Promise<unknown>; transaction<T>(fn: (c: { query(sql: string): Promise<unknown> }) => Promise<T>): Promise<T> } }).ctx;
      const busy = ctx.query('SELECT SLEEP(3)');
      const inTransaction = ctx.transaction(async (c) => {
        await c.query('SELECT 1');
        await sleep(400);
        await c.query('SELECT 2');
      });
      await sleep(150);
      proxy.reset();
      await expect(busy).rejects.toMatchObject({ retryable: true });
      await expect(inTransaction).rejects.toMatchObject({ retryable: true });
      await sleep(300);
      expect(uncaught).toEqual([]);
      await worksOrRetryable(session);
      // Reset again while idle, then a fresh session through the proxy.
      proxy.reset();
      await sleep(200);
      await worksOrRetryable(session);
      await session.close();
    } finally {
      await proxy.close();
    }
  });

  test('a connection test that is killed mid-way fails, the process lives', async () => {
    const testing = Promise.all([1, 2, 3, 4, 5].map(() => mysql.test(configOf(url!)).catch((err: unknown) => err)));
    await sleep(5);
    await killAll();
    await testing;
    await sleep(200);
    expect(uncaught).toEqual([]);
  });
});
