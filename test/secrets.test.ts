import { EncryptionCodec, loadCodecKeys } from '@sluice/codec';
import { pgUrl, withUrl } from './helpers/databases';
import { decodedHistoryText, failuresText } from './helpers/history';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

// Issue 16, "No secret leaves its vault": what a history, a search attribute and a payload hold.
let env: TestTemporal;
beforeAll(async () => {
  env = await startTestTemporal();
});
afterAll(async () => {
  await env?.stop();
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
