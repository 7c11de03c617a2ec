import { createServer, type Server } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { freePort } from '@sluice/cli';
import { pgUrl, passwordOf, withUrl } from './helpers/databases';
import { containsSecret, historyText, serialize } from './helpers/history';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

// TEST_CONNECTION end to end: client → real Temporal dev server → workflow → activity → pg → real PostgreSQL.
let env: TestTemporal;
beforeAll(async () => {
  env = await startTestTemporal();
});
afterAll(async () => {
  await env?.stop();
});

test('a reachable database answers CONNECTION_OK with its server version and latency', async () => {
  const message = await env.client.testConnection({ url: pgUrl() });
  expect(message).toMatchObject({ code: 'CONNECTION_OK', kind: 'success', title: 'Connection successful' });
  expect(message.details.server_version?.[0]).toMatch(/^\d+\.\d+/);
  expect(Number(message.details.latency_ms?.[0])).toBeGreaterThanOrEqual(0);
  expect(message.body).toContain('Connected to PostgreSQL');
});

test('a wrong password answers AUTHENTICATION_FAILED and the job ends in ERROR', async () => {
  const id = await env.client.startTestConnection({ url: withUrl(pgUrl(), { password: 'Wr0ng-Pa55-e2e' }) });
  const message = await env.client.testConnectionResult(id);
  expect(message).toMatchObject({ code: 'AUTHENTICATION_FAILED', kind: 'error' });
  expect(JSON.stringify(message)).not.toContain('Wr0ng-Pa55-e2e');
  const job = await env.client.getJob(id);
  expect(job).toMatchObject({ id, type: 'TEST_CONNECTION', state: 'ERROR' });
  expect(job.endDate).not.toBeNull();
});

test('a port where nothing listens answers HOST_UNREACHABLE', async () => {
  const port = await freePort();
  const message = await env.client.testConnection({ url: withUrl(pgUrl(), { port }) });
  expect(message).toMatchObject({ code: 'HOST_UNREACHABLE', kind: 'error' });
});

test('an unknown database answers DATABASE_NOT_FOUND', async () => {
  const message = await env.client.testConnection({ url: withUrl(pgUrl(), { database: 'no_such_db_sluice' }) });
  expect(message).toMatchObject({ code: 'DATABASE_NOT_FOUND', kind: 'error' });
  expect(message.body).toContain('no_such_db_sluice');
});

describe('a server that accepts TCP but never answers', () => {
  let silent: Server;
  let port: number;
  beforeAll(async () => {
    silent = createServer((socket) => socket.resume()); // reads and never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => silent.close(r));
  });

  test('answers TIMEOUT within the connect timeout', async () => {
    const message = await env.client.testConnection({ url: withUrl(pgUrl(), { port, query: '?connect_timeout=1' }) });
    expect(message).toMatchObject({ code: 'TIMEOUT', kind: 'error' });
    const elapsed = Number(message.details.elapsed_ms?.[0]);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5000);
  });
});

test('sslmode=require against a server without TLS answers TLS_ERROR', async () => {
  const message = await env.client.testConnection({ url: withUrl(pgUrl(), { query: '?sslmode=require' }) });
  expect(message).toMatchObject({ code: 'TLS_ERROR', kind: 'error' });
});

test('an invalid config answers INVALID_CONFIG naming each bad field', async () => {
  const message = await env.client.testConnection({
    config: { connector_type: 'PostgreSQLConnector', host: '', port: 70000, database: 'x', username: 'u', password: 'Inval1d-Pw' },
  });
  expect(message).toMatchObject({ code: 'INVALID_CONFIG', kind: 'error' });
  expect(Object.keys(message.details).sort()).toEqual(['host', 'port']);
  expect(JSON.stringify(message)).not.toContain('Inval1d-Pw');
});

describe('secrets in workflow history', () => {
  test('the search finds a password stored in clear (control: without the codec it would be there)', () => {
    const secret = 'C0ntrol-Pa55';
    const plainPayload = defaultPayloadConverter.toPayload({ connection: { url: withUrl(pgUrl(), { password: secret }) } });
    expect(containsSecret(serialize({ events: [{ input: { payloads: [plainPayload] } }] }), secret)).toBe(true);
  });

  test('the password is absent from the history of a failed and of a successful test job', async () => {
    const wrong = 'Wr0ng-Pa55-history-probe';
    const failedId = await env.client.startTestConnection({ url: withUrl(pgUrl(), { password: wrong }) });
    expect((await env.client.testConnectionResult(failedId)).code).toBe('AUTHENTICATION_FAILED');
    const failedHistory = await historyText(env.client, failedId);
    expect(failedHistory).toContain('workflowExecutionFailedEventAttributes'); // it is the failed run's history
    expect(containsSecret(failedHistory, wrong)).toBe(false);

    const okId = await env.client.startTestConnection({ url: pgUrl() });
    expect((await env.client.testConnectionResult(okId)).code).toBe('CONNECTION_OK');
    expect(containsSecret(await historyText(env.client, okId), passwordOf(pgUrl()))).toBe(false);
  });
});

test('jobs are found by the SluiceJobType search attribute', async () => {
  const id = await env.client.startTestConnection({ url: pgUrl() });
  await env.client.testConnectionResult(id);
  // Visibility is eventually consistent: poll briefly.
  let ids: string[] = [];
  for (let i = 0; i < 50 && !ids.includes(id); i++) {
    ids = [];
    for await (const wf of env.client.temporal.workflow.list({ query: `SluiceJobType = "TEST_CONNECTION"` })) ids.push(wf.workflowId);
    if (!ids.includes(id)) await new Promise((r) => setTimeout(r, 200));
  }
  expect(ids).toContain(id);
});
