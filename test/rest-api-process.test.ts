import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Catalog } from '@sluice/catalog';
import { freshCatalogDatabase } from './helpers/catalog-db';
import { SLUICE_BIN } from './helpers/cli';
import { freePort } from '@sluice/cli';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

// `node api/dist/main.js` as a deployment runs it: its own process, configured by the environment,
// structured access logs without secrets, a graceful stop on SIGTERM.

const MAIN = join(__dirname, '..', 'api', 'dist', 'main.js');
let catalogDb: Awaited<ReturnType<typeof freshCatalogDatabase>>;
let env: TestTemporal;
beforeAll(async () => {
  catalogDb = await freshCatalogDatabase();
  env = await startTestTemporal();
});
afterAll(async () => {
  await env?.stop();
  await catalogDb?.drop();
});

test('api/dist/main.js serves on SLUICE_API_PORT, logs JSON access lines without the token, and exits 0 on SIGTERM', async () => {
  const catalog = await Catalog.open({ env: { ...process.env, SLUICE_CATALOG_URL: catalogDb.url } });
  const { token } = await catalog.createApiToken({ name: 'process-test', scope: 'read' });
  await catalog.close();
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, SLUICE_CATALOG_URL: catalogDb.url, TEMPORAL_ADDRESS: env.server.address, SLUICE_TASK_QUEUE: env.taskQueue, SLUICE_API_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    while (!stderr.includes('sluice api:')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the API did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await fetch(`${base}/v1/jobs`)).status).toBe(401);
    const ok = await fetch(`${base}/v1/jobs`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ results: [], nextCursor: null });
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  const completed = lines.filter((l) => l.msg === 'request completed');
  expect(completed.map((l) => l.res.statusCode)).toEqual([401, 200]);
  expect(lines.find((l) => l.msg === 'incoming request')?.req).toMatchObject({ method: 'GET', url: '/v1/jobs' });
  expect(stdout + stderr).not.toContain(token);
  expect(stdout + stderr).not.toContain(token.slice(7, 20));
});

test('sluice serve --port --host: the same server from the CLI, on the given address; Ctrl-C stops it', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [SLUICE_BIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--quiet'], {
    env: { ...process.env, SLUICE_CATALOG_URL: catalogDb.url, TEMPORAL_ADDRESS: env.server.address, SLUICE_TASK_QUEUE: env.taskQueue },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const deadline = Date.now() + 20_000;
    while (!out.includes('sluice serve:')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sluice serve did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toContain(`http://127.0.0.1:${port}`);
    const doc = await fetch(`http://127.0.0.1:${port}/openapi.json`);
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0');
    expect((await fetch(`http://127.0.0.1:${port}/v1/jobs`)).status).toBe(401);
  } finally {
    child.kill('SIGINT');
  }
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  expect(out).not.toMatch(/"msg":"incoming request"/); // --quiet: no access logs
  const bad = spawn(process.execPath, [SLUICE_BIN, 'serve', '--port', 'eighty'], { env: { ...process.env, TEMPORAL_ADDRESS: env.server.address } });
  expect((await once(bad, 'exit'))[0]).toBe(2);
});
