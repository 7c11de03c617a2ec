import { EncryptionCodec, loadCodecKeys } from '@sluice/codec';
import { passwordOf, pgUrl, withUrl } from './helpers/databases';
import { freshCatalogDatabase } from './helpers/catalog-db';
import { dropPgSchema, pgItems, uniqueName } from './helpers/sync-fixtures';
import { containsSecret, decodedHistoryText, failuresText } from './helpers/history';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

// Issue 16, "No secret leaves its vault": what a history, a search attribute and a payload hold.
let env: TestTemporal;
let catalogDb: Awaited<ReturnType<typeof freshCatalogDatabase>>;
beforeAll(async () => {
  catalogDb = await freshCatalogDatabase();
  // The worker's activities and the client open the catalog on first use, from the environment.
  process.env.SLUICE_CATALOG_URL = catalogDb.url;
  env = await startTestTemporal();
});
afterAll(async () => {
  await env?.stop();
  await catalogDb?.drop();
});

const codec = () => new EncryptionCodec(loadCodecKeys());

test('a failed job keeps its failure message and stack encrypted in history', async () => {
  const database = 'no_such_db_failure_text';
  const id = await env.client.startTestConnection({ url: withUrl(pgUrl(), { database }) });
  const message = await env.client.testConnectionResult(id);
  expect(message).toMatchObject({ code: 'DATABASE_NOT_FOUND', kind: 'error' });
  expect((await env.client.getJob(id)).state).toBe('ERROR');

  const raw = await failuresText(env.client, id);
  expect(raw).toContain('Encoded failure');
  expect(raw).not.toContain(database);
  expect(raw).not.toContain('DATABASE_NOT_FOUND:'); // the message
  expect(raw).not.toMatch(/\bat [\w.<>]+ \(/); // no stack frame in clear

  const decoded = await decodedHistoryText(env.client, id, codec());
  expect(decoded).toContain(database);
  expect(decoded).toContain('stack_trace');
});

describe('search attributes', () => {
  const values = async () => {
    const out: string[] = [];
    for await (const wf of env.client.temporal.workflow.list()) out.push(JSON.stringify(wf.searchAttributes));
    return out;
  };

  test('hold opaque ids only: no user, host or database of any job of this suite', async () => {
    const url = pgUrl();
    const { username, hostname, pathname } = new URL(url);
    const database = pathname.slice(1);
    const config = { connector_type: 'PostgreSQLConnector', host: hostname, port: Number(new URL(url).port), database, username, password: 'x' };
    const ids = [
      await env.client.startTestConnection({ url }),
      await env.client.startTestConnection({ config }),
      await env.client.startSync({ source: { url }, destination: { url: withUrl(url, { database: 'other_db_sa' }) }, tables: [{ schema: 'no_such', name: 'table_sa' }] }),
    ];
    for (const id of ids) await env.client.temporal.workflow.getHandle(id).result().catch(() => undefined);
    const attrs = await values();
    expect(attrs.length).toBeGreaterThanOrEqual(ids.length);
    for (const text of attrs) {
      for (const word of [username, hostname, database, 'other_db_sa', 'postgres']) expect({ text, leaked: text.includes(word) }).toEqual({ text, leaked: false });
    }
    // A URL and a config of the same database share the key; listing by URL (any password) finds both.
    const listed = (await env.client.listJobs({ connection: { url: withUrl(url, { password: 'not-the-password' }) } })).map((j) => j.id);
    expect(listed).toEqual(expect.arrayContaining([ids[0], ids[1], ids[2]]));
    expect((await env.client.listJobs({ connection: { url: withUrl(url, { database: 'nowhere_sa' }) } })).map((j) => j.id)).not.toContain(ids[0]);
  });
});

describe('no secret in any payload', () => {
  const src = uniqueName('sealed_src');
  const dst = uniqueName('sealed_dst');
  beforeAll(async () => {
    await pgItems(src, 200);
  });
  afterAll(async () => {
    await dropPgSchema(src);
    await dropPgSchema(dst);
  });

  test('URL and config syncs, tests and catalog refreshes: every history decoded through the codec holds no password', async () => {
    const url = pgUrl();
    const password = passwordOf(url);
    const { hostname, port, pathname, username } = new URL(url);
    const config = { connector_type: 'PostgreSQLConnector', host: hostname, port: Number(port), database: pathname.slice(1), username, password };
    const wait = (id: string) => env.client.waitForJob(id);
    const done = async (id: string) => {
      const job = await wait(id);
      expect({ state: job.state, message: job.state === 'COMPLETED' ? null : job.message }).toEqual({ state: 'COMPLETED', message: null });
      return id;
    };
    const jobs = [
      await done(await env.client.startSync({ source: { url }, destination: { url }, tables: [{ schema: src, name: 'items' }], destinationSchema: dst, createTables: true })),
      await done(await env.client.startSync({ source: { config }, destination: { url }, tables: [{ schema: src, name: 'items' }], destinationSchema: dst, mode: 'upsert' })),
      await done(await env.client.startTestConnection({ url })),
    ];
    const pg = await env.client.catalog.createConnection({ configName: uniqueName('sealed-pg').replace(/_/g, '-'), url });
    expect((await wait(await env.client.catalog.startRefresh({ kind: 'databases', connection: pg.id }))).state).toBe('COMPLETED');
    expect((await wait(await env.client.catalog.startRefresh({ kind: 'schema', connection: pg.id, schemas: [src] }))).state).toBe('COMPLETED');

    // Every workflow of this test's server: jobs, their table workflows, refreshes.
    const ids: string[] = [];
    for await (const wf of env.client.temporal.workflow.list()) ids.push(wf.workflowId);
    expect(ids.length).toBeGreaterThan(jobs.length + 2);
    const decoder = codec();
    let sealedSeen = 0;
    for (const id of ids) {
      const text = await decodedHistoryText(env.client, id, decoder);
      expect({ id, leaked: containsSecret(text, password) }).toEqual({ id, leaked: false });
      if (text.includes('\\"sealed\\":')) sealedSeen++; // a JSON payload inside the JSON text
    }
    expect(sealedSeen).toBeGreaterThanOrEqual(jobs.length); // the control: decoding worked, the specs are there, sealed
  });
});
