import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Catalog, CatalogCode, CatalogError, MIGRATIONS } from '@sluice/catalog';
import { mariaUrl, passwordOf, pgUrl } from './helpers/databases';
import { freshCatalogDatabase } from './helpers/catalog-db';
import { registry } from './helpers/sync-fixtures';

const execFileAsync = promisify(execFile);

// The catalog store on a real PostgreSQL (SLUICE_CATALOG_URL) and on the embedded default (PGlite, no server).

const PASSWORD = 'Catalog-Secret-9f1e';
const KEY = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
const validateConfig = (config: Record<string, unknown>) => void registry.resolve({ config: config as { connector_type: string } });

let db: Awaited<ReturnType<typeof freshCatalogDatabase>>;
let catalog: Catalog;

beforeAll(async () => {
  db = await freshCatalogDatabase();
  catalog = await Catalog.open({ env: { SLUICE_CATALOG_URL: db.url, SLUICE_CATALOG_KEYS: KEY }, validateConfig });
});
afterAll(async () => {
  await catalog?.close();
  await db?.drop();
});

const lerian = (configName: string, extra: Record<string, unknown> = {}) => ({
  configName,
  type: 'POSTGRESQL' as const,
  host: '127.0.0.1',
  port: 55432,
  databaseName: 'sluice_test',
  userName: 'sluice',
  password: PASSWORD,
  schema: 'public',
  ssl: { mode: 'disable' as const },
  metadata: { environment: 'test', team: 'data' },
  ...extra,
});

async function refusal(promise: Promise<unknown>): Promise<CatalogError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CatalogError);
  return err as CatalogError;
}

test('migrations are versioned, applied once, and a second start finds nothing to do', async () => {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT version, name FROM sluice_catalog.schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  } finally {
    await client.end();
  }
  const again = await Catalog.open({ env: { SLUICE_CATALOG_URL: db.url, SLUICE_CATALOG_KEYS: KEY } });
  await again.close();
});

test('create with Lerian fields, read back by id and by name, never with a secret', async () => {
  const created = await catalog.createConnection(lerian('orders-db'));
  expect(created).toMatchObject({
    configName: 'orders-db',
    type: 'POSTGRESQL',
    connectorType: 'PostgreSQLConnector',
    host: '127.0.0.1',
    port: 55432,
    databaseName: 'sluice_test',
    userName: 'sluice',
    schema: 'public',
    ssl: { mode: 'disable' },
    metadata: { environment: 'test', team: 'data' },
  });
  expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(JSON.stringify(created)).not.toContain(PASSWORD);
  expect(await catalog.getConnection(created.id)).toEqual(created);
  expect(await catalog.getConnection('orders-db')).toEqual(created);
  // Only the worker's path opens the secrets.
  const { config } = await catalog.connectionConfig(created.id);
  expect(config.password).toBe(PASSWORD);
});

test('a connection URL works as input too; the type comes from its scheme', async () => {
  const maria = await catalog.createConnection({ configName: 'maria-by-url', url: mariaUrl() });
  expect(maria).toMatchObject({ type: 'MARIADB', connectorType: 'MySQLMariaDBConnector', port: 53306 });
  expect((await catalog.connectionConfig(maria.id)).config.password).toBe(passwordOf(mariaUrl()));
});

test('secrets are unreadable in the catalog tables: sealed with AES-256-GCM under a key id', async () => {
  await catalog.createConnection(lerian('sealed-check'));
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT * FROM sluice_catalog.connections WHERE config_name = 'sealed-check'`);
    const row = rows[0];
    expect(row.secrets_key_id).toBe('k1');
    const everyForm = JSON.stringify(row) + Buffer.from(row.secrets).toString('latin1') + Buffer.from(row.secrets).toString('hex');
    for (const form of [PASSWORD, Buffer.from(PASSWORD).toString('hex'), Buffer.from(PASSWORD).toString('base64')]) expect(everyForm).not.toContain(form);
    expect(row.config.password).toBeUndefined();
    // Control: the same search finds the password when it is there.
    expect(JSON.stringify({ ...row, config: { password: PASSWORD } })).toContain(PASSWORD);
  } finally {
    await client.end();
  }
  // Without the key the secrets stay closed, with an error saying which key is missing.
  const otherKeys = await Catalog.open({ env: { SLUICE_CATALOG_URL: db.url, SLUICE_CATALOG_KEYS: `k2:${Buffer.alloc(32, 9).toString('base64')}` } });
  try {
    const err = await refusal(otherKeys.connectionConfig('sealed-check'));
    expect(err.code).toBe(CatalogCode.SECRET_KEY_MISSING);
    expect(err.message).toContain("'k1'");
  } finally {
    await otherKeys.close();
  }
});

test('rotation: a connection sealed under the old key opens after a new key is put first', async () => {
  const created = await catalog.createConnection(lerian('rotated'));
  const rotated = await Catalog.open({ env: { SLUICE_CATALOG_URL: db.url, SLUICE_CATALOG_KEYS: `k2:${Buffer.alloc(32, 9).toString('base64')},${KEY}` } });
  try {
    expect((await rotated.connectionConfig(created.id)).config.password).toBe(PASSWORD);
    await rotated.updateConnection(created.id, { metadata: { rotated: 'yes' } });
  } finally {
    await rotated.close();
  }
});

test.each([
  [{ ...lerian('ab') }, CatalogCode.INVALID_FIELD, 'configName', /at least 3 characters/],
  [{ ...lerian('x'.repeat(101)) }, CatalogCode.INVALID_FIELD, 'configName', /at most 100 characters/],
  [{ ...lerian('bad-port'), port: 70000 }, CatalogCode.INVALID_FIELD, 'port', /at most 65535/],
  [{ ...lerian('bad-type'), type: 'SYBASE' }, CatalogCode.INVALID_FIELD, 'type', /POSTGRESQL/],
  [(({ password: _p, ...rest }) => rest)(lerian('no-password')), CatalogCode.MISSING_FIELD, 'password', /required/],
  [{ ...lerian('nested'), metadata: { a: { b: 'c' } } }, CatalogCode.METADATA_NESTING, 'metadata.a', /nested/],
  [{ ...lerian('long-key'), metadata: { ['k'.repeat(101)]: 'v' } }, CatalogCode.METADATA_KEY_LENGTH, undefined, /100 characters/],
  [{ ...lerian('long-value'), metadata: { note: 'v'.repeat(2001) } }, CatalogCode.METADATA_VALUE_LENGTH, 'metadata.note', /2000 characters/],
  [{ ...lerian('unknown-field'), colour: 'red' }, CatalogCode.INVALID_FIELD, 'colour', /not a connection field/],
  [{ configName: 'bad-url', url: 'nosuch://u:p@h/d' }, CatalogCode.INVALID_FIELD, 'url', /unknown scheme/],
])('invalid input is refused with a Lerian error naming the field (%#)', async (input, code, field, message) => {
  const err = await refusal(catalog.createConnection(input as never));
  expect(err.code).toBe(code);
  if (field) expect(err.field).toBe(field);
  expect(err.message).toMatch(message);
  expect(err.toJSON()).toEqual(expect.objectContaining({ code, title: expect.any(String), message: expect.any(String) }));
  expect(err.message).not.toContain(PASSWORD);
});

test("the engine's own schema checks the config (the worker registry's zod schema)", async () => {
  const err = await refusal(catalog.createConnection({ configName: 'bad-engine-field', config: { connector_type: 'PostgreSQLConnector', host: 'h', database: 'd', username: 'u', password: 'p', port: 'x' } }));
  expect(err.field).toBe('port');
  expect(err.code).toBe(CatalogCode.INVALID_FIELD);
});

test('configName is unique: a second one is the conflict error', async () => {
  await catalog.createConnection(lerian('unique-name'));
  const err = await refusal(catalog.createConnection(lerian('unique-name')));
  expect(err.code).toBe(CatalogCode.CONFLICT);
  expect(err.status).toBe(409);
});

test('partial update changes only what it names; the password stays unless given', async () => {
  const created = await catalog.createConnection(lerian('to-update'));
  const updated = await catalog.updateConnection('to-update', { host: 'localhost', metadata: { owner: 'ops' } });
  expect(updated).toMatchObject({ id: created.id, host: 'localhost', port: 55432, userName: 'sluice', metadata: { owner: 'ops' } });
  expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
  expect((await catalog.connectionConfig(created.id)).config.password).toBe(PASSWORD);
  await catalog.updateConnection(created.id, { password: 'New-Pw-1' });
  expect((await catalog.connectionConfig(created.id)).config.password).toBe('New-Pw-1');
  const err = await refusal(catalog.updateConnection(created.id, { port: 0 }));
  expect(err.field).toBe('port');
});

test('list pages through connections; delete removes one; unknown ids are not found', async () => {
  const page = await catalog.listConnections({ limit: 2 });
  expect(page.results).toHaveLength(2);
  expect(page.total).toBeGreaterThan(2);
  const next = await catalog.listConnections({ offset: 2, limit: 500 });
  expect(next.results.map((c) => c.id)).not.toContain(page.results[0]!.id);
  expect((await refusal(catalog.listConnections({ limit: 501 }))).field).toBe('limit');
  const doomed = await catalog.createConnection(lerian('doomed'));
  await catalog.deleteConnection(doomed.id);
  expect((await refusal(catalog.getConnection(doomed.id))).code).toBe(CatalogCode.NOT_FOUND);
  expect((await refusal(catalog.getDatabaseConnection('not-a-uuid'))).code).toBe(CatalogCode.INVALID_ID);
});

test('the embedded default needs no server: processes share it, one at a time, nothing lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-catalog-'));
  const env = { ...process.env, SLUICE_CATALOG_URL: '', SLUICE_CATALOG_DIR: join(dir, 'catalog'), SLUICE_CATALOG_KEYS: KEY };
  const run = async (op: string, arg?: unknown) => {
    const { stdout } = await execFileAsync(process.execPath, [join(__dirname, 'helpers', 'embedded-catalog-child.js'), op, JSON.stringify(arg ?? null)], { env });
    return JSON.parse(stdout);
  };
  try {
    expect(await run('describe')).toContain('embedded catalog');
    const created = await run('create', lerian('embedded-one'));
    expect(await run('get', 'embedded-one')).toEqual(created);
    expect((await run('config', created.id)).password).toBe(PASSWORD);
    // Two processes at once: serialized by the lock, neither write lost.
    await Promise.all([run('update', { id: created.id, patch: { metadata: { a: '1' } } }), run('create', lerian('embedded-two'))]);
    const all = await run('list');
    expect(all.total).toBe(2);
    expect(all.results.find((c: { id: string }) => c.id === created.id).metadata).toEqual({ a: '1' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);

// pgUrl is the server the catalog database lives on; make sure the test did not run against a stray one.
test('the catalog database is on the test server', () => {
  expect(new URL(db.url).port).toBe(new URL(pgUrl()).port);
});
