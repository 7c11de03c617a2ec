import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer } from '@sluice/cli';
import { envWithout, runSluice } from './helpers/cli';
import { passwordOf, pgQuery, pgUrl } from './helpers/databases';
import { pgUrlFor, uniqueName } from './helpers/sync-fixtures';

// `sluice connection|refresh|schema|database-connections|schema-connections` as a user runs them:
// the embedded catalog (no SLUICE_CATALOG_URL) and, for refresh jobs, an embedded Temporal dev server.

const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-catalog-'));
const schema = uniqueName('cli_catalog');
const env = { ...envWithout('TEMPORAL_ADDRESS', 'SLUICE_CATALOG_URL'), SLUICE_CATALOG_DIR: join(dir, 'catalog'), SLUICE_CODEC_KEY_FILE: join(dir, 'keys') };
const sluice = (...args: string[]) => runSluice(args, env, 120_000);

beforeAll(async () => {
  await pgQuery(`CREATE SCHEMA ${schema}`);
  await pgQuery(`CREATE TABLE ${schema}.accounts (id bigint PRIMARY KEY, owner text NOT NULL)`);
});
afterAll(async () => {
  await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  rmSync(dir, { recursive: true, force: true });
});

test('connection add, list, show and update; never a password in the output', async () => {
  const add = await sluice('connection', 'add', 'cli-pg', pgUrlFor(schema), '--metadata', 'team=data', '--json');
  expect(add.code).toBe(0);
  const created = JSON.parse(add.stdout);
  expect(created).toMatchObject({ configName: 'cli-pg', type: 'POSTGRESQL', schema, metadata: { team: 'data' } });
  const list = await sluice('connection', 'list', '--json');
  expect(JSON.parse(list.stdout).results.map((c: { id: string }) => c.id)).toEqual([created.id]);
  const show = await sluice('connection', 'show', 'cli-pg');
  expect(show.stdout).toContain(created.id);
  const update = await sluice('connection', 'update', 'cli-pg', '--metadata', 'team=platform', '--json');
  expect(JSON.parse(update.stdout).metadata).toEqual({ team: 'platform' });
  for (const r of [add, list, show, update]) expect(r.stdout + r.stderr).not.toContain(passwordOf(pgUrl()));
}, 60_000);

test('a bad input exits 1 with the Lerian error naming the field', async () => {
  const r = await sluice('connection', 'add', 'x', pgUrl(), '--json');
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout)).toMatchObject({ code: 'SLC-0002', title: 'Invalid Field', field: 'configName' });
  expect(r.stderr).toContain('configName');
  const missing = await sluice('connection', 'show', 'no-such-connection');
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('SLC-1001');
});

test('refresh schema through an embedded Temporal, then schema status and show read the cache', async () => {
  const refresh = await sluice('refresh', 'schema', 'cli-pg', '--json');
  expect(refresh.code).toBe(0);
  expect(JSON.parse(refresh.stdout)).toMatchObject({ type: 'REFRESH_SCHEMA', state: 'COMPLETED', counts: { tables: 1, columns: 2 } });
  expect(refresh.stderr).toContain('embedded Temporal dev server');
  const status = JSON.parse((await sluice('schema', 'status', 'cli-pg', '--json')).stdout);
  expect(status).toMatchObject({ cache_status: 'fresh', tables: 1 });
  const show = await sluice('schema', 'show', 'cli-pg');
  expect(show.stdout).toContain(`${schema}.accounts (table): id bigint not null, owner text not null; primary key (id)`);
}, 120_000);

test('refresh databases, then schemas of a database connection, listed with their ids', async () => {
  expect((await sluice('refresh', 'databases', 'cli-pg')).code).toBe(0);
  const dbs = JSON.parse((await sluice('database-connections', '--connection', 'cli-pg', '--json')).stdout);
  const db = dbs.results.find((d: { name: string }) => d.name === new URL(pgUrl()).pathname.slice(1));
  expect(db).toMatchObject({ databaseId: expect.any(String) });
  expect((await sluice('refresh', 'schemas', db.id)).code).toBe(0);
  const schemas = JSON.parse((await sluice('schema-connections', '--database-connection', db.id, '--json')).stdout);
  expect(schemas.results.map((s: { name: string }) => s.name)).toContain(schema);
}, 120_000);

test('sluice test takes a catalog connection by name', async () => {
  const r = await sluice('test', 'cli-pg', '--json');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ code: 'CONNECTION_OK', kind: 'success' });
}, 120_000);

test('sluice sync takes catalog connections by name', async () => {
  const target = `${schema}_copy`;
  await pgQuery(`INSERT INTO ${schema}.accounts SELECT g, 'owner ' || g FROM generate_series(1, 500) g`);
  await pgQuery(`CREATE SCHEMA ${target}`);
  try {
    expect((await sluice('connection', 'add', 'cli-pg-copy', pgUrlFor(target))).code).toBe(0);
    const r = await sluice('sync', 'cli-pg', 'cli-pg-copy', '--table', `${schema}.accounts`, '--create-tables', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ state: 'COMPLETED', rowsWritten: 500 });
    expect(await pgQuery(`SELECT count(*)::int AS n FROM ${target}.accounts`)).toEqual([{ n: 500 }]);
    expect(r.stdout + r.stderr).not.toContain(passwordOf(pgUrl()));
  } finally {
    await pgQuery(`DROP SCHEMA IF EXISTS ${target} CASCADE`);
  }
}, 120_000);

test('refresh --schedule creates a Temporal Schedule on a running server; schedule list shows it', async () => {
  const server = await startDevServer({ headless: true });
  try {
    const onServer = (...args: string[]) => runSluice(args, { ...env, TEMPORAL_ADDRESS: server.address }, 120_000);
    const created = await onServer('refresh', 'schema', 'cli-pg', '--schedule', 'cli-pg-nightly', '--cron', '0 3 * * *');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('schedule cli-pg-nightly: refresh schema, cron 0 3 * * *');
    let ids: string[] = [];
    for (let i = 0; i < 50 && !ids.includes('cli-pg-nightly'); i++) {
      ids = JSON.parse((await onServer('schedule', 'list', '--json')).stdout).map((x: { id: string }) => x.id);
      if (!ids.includes('cli-pg-nightly')) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ids).toContain('cli-pg-nightly');
    // Without a lasting server there is nothing to keep a schedule: refused, exit 2.
    expect((await sluice('refresh', 'schema', 'cli-pg', '--schedule', 'x', '--cron', '0 3 * * *')).code).toBe(2);
  } finally {
    await server.stop();
  }
}, 120_000);

test('remove deletes the connection', async () => {
  expect((await sluice('connection', 'remove', 'cli-pg')).code).toBe(0);
  expect((await sluice('connection', 'show', 'cli-pg')).code).toBe(1);
});
