import { passwordOf, pgUrl, withUrl } from './helpers/databases';
import { seedSchemas, useRestApi } from './helpers/rest-api';
import { pgUrlFor } from './helpers/sync-fixtures';

// Polytomic's schema cache and Syntho's connector endpoints over the REST API: real socket,
// real Temporal and worker, real PostgreSQL; responses checked against the seeds' schemas.

const rest = useRestApi('restschema', 10);
const world = rest.world;

const polytomic = seedSchemas('polytomic');
const syntho = seedSchemas('syntho');

test('Polytomic: refresh → 202 + Location to the status → poll until fresh; the cached schema; unhealthy connections are refused', async () => {
  const id = await rest.api.connection('schema-src', pgUrlFor(world.src));
  const before = await rest.api.call('GET', `/api/connections/${id}/schemas/status`, { token: 'read' });
  expect(before.status).toBe(200);
  polytomic('SchemaStatus', before.body);
  expect(before.body.data).toEqual({ cache_status: 'empty', last_refresh_started: null, last_refresh_finished: null });

  expect((await rest.api.call('POST', `/api/connections/${id}/schemas/refresh`, { token: 'read' })).status).toBe(403);
  const started = await rest.api.call('POST', `/api/connections/${id}/schemas/refresh`, { token: 'write', headers: { 'idempotency-key': 'cache-1' } });
  expect(started.status).toBe(202);
  expect(started.body).toEqual({ job_id: expect.stringContaining('refresh-schema-'), run_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  const again = await rest.api.call('POST', `/api/connections/${id}/schemas/refresh`, { token: 'write', headers: { 'idempotency-key': 'cache-1' } });
  expect(again.body).toEqual(started.body);
  const location = started.headers.get('location')!;
  expect(location).toBe(`/api/connections/${id}/schemas/status`);
  const deadline = Date.now() + 30_000;
  let status: any;
  for (;;) {
    status = (await rest.api.call('GET', location, { token: 'read' })).body;
    polytomic('SchemaStatus', status);
    if (status.data.cache_status === 'fresh') break;
    expect(status.data.cache_status).toMatch(/empty|refreshing/);
    if (Date.now() > deadline) throw new Error(`still ${status.data.cache_status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(Date.parse(status.data.last_refresh_finished)).toBeGreaterThanOrEqual(Date.parse(status.data.last_refresh_started));

  const schemas = await rest.api.call('GET', `/api/connections/${id}/schemas`, { token: 'read' });
  expect(schemas.status).toBe(200);
  const items = schemas.body.data.find((t: { name: string }) => t.name === `${world.src}.items`);
  expect(items.primary_keys).toEqual(['id']);
  expect(items.fields.map((f: { name: string }) => f.name)).toEqual(['id', 'name', 'amount', 'flag', 'payload', 'data', 'created_at', 'updated_at']);
  expect(items.fields[0]).toMatchObject({ type: 'int64', native_type: 'bigint', nullable: false });

  // A connection that fails its health check: refused now, the cache untouched.
  const broken = await rest.api.connection('schema-broken', withUrl(pgUrlFor(world.src), { password: passwordOf(pgUrl()) + '-wrong' }));
  const refused = await rest.api.call('POST', `/api/connections/${broken}/schemas/refresh`, { token: 'write' });
  expect(refused.status).toBe(422);
  expect(refused.body).toMatchObject({ code: 'SLC-1030', title: 'Unhealthy Connection', message: expect.stringContaining('AUTHENTICATION_FAILED') });
  expect(JSON.stringify(refused.body)).not.toContain(passwordOf(pgUrl()));
  expect((await rest.api.call('GET', `/api/connections/${broken}/schemas/status`, { token: 'read' })).body.data.cache_status).toBe('empty');
  expect((await rest.api.call('GET', '/api/connections/0b7e2c9a-1f0e-4c4e-9a57-3c1f0d1e2a3b/schemas/status', { token: 'read' })).status).toBe(404);
  expect((await rest.api.call('GET', '/api/connections/schema-src/schemas/status', { token: 'read' })).status).toBe(400);
});

test('Syntho: functionalities and supported types of the installed connectors match the seed schemas', async () => {
  const pg = await rest.api.call('GET', '/api/v1/database_connections/functionalities/?connector_type=PostgreSQLConnector', { token: 'read' });
  expect(pg.status).toBe(200);
  syntho('FunctionalityListSchema', pg.body);
  expect(pg.body.functionalities.map((f: { name: string }) => f.name).sort()).toEqual(['HIGH_PERFORMANCE_WRITING', 'IDEMPOTENT_WRITING']);
  const maria = await rest.api.call('GET', '/api/v1/database_connections/functionalities/?connector_type=MySQLMariaDBConnector', { token: 'read' });
  syntho('FunctionalityListSchema', maria.body);
  const capabilities = (body: any) => body.functionalities.flatMap((f: any) => f.capabilities.map((c: any) => c.name));
  expect(capabilities(maria.body)).not.toContain('TRIGGER_MANAGEMENT');
  expect(capabilities(pg.body)).toContain('TRIGGER_MANAGEMENT');
  const unknown = await rest.api.call('GET', '/api/v1/database_connections/functionalities/?connector_type=SQLiteConnector', { token: 'read' });
  expect(unknown.status).toBe(400);
  expect(unknown.body).toMatchObject({ code: 'SLC-0002', field: 'connector_type' });
  expect((await rest.api.call('GET', '/api/v1/database_connections/functionalities/', { token: 'read' })).body).toMatchObject({ code: 'SLC-0001', field: 'connector_type' });

  const types = await rest.api.call('GET', '/api/v1/database_connections/supported_types/', { token: 'read' });
  expect(types.status).toBe(200);
  syntho('SupportedConnectionTypes', types.body);
  expect(types.body.connectors.PostgreSQLConnector).toMatchObject({ host: expect.any(Object), port: expect.objectContaining({ default: 5432 }) });
});

test('Syntho: test a config → the application message; a bad config names its field', async () => {
  const u = new URL(pgUrl());
  const config = { connector_type: 'PostgreSQLConnector', host: u.hostname, port: Number(u.port || 5432), database: u.pathname.slice(1), username: decodeURIComponent(u.username), password: passwordOf(pgUrl()) };
  const ok = await rest.api.call('POST', '/api/v1/database_connections/test/', { token: 'write', body: config });
  expect(ok.status).toBe(200);
  syntho('ApplicationMessage', ok.body);
  expect(ok.body).toMatchObject({ code: 'CONNECTION_OK', kind: 'success' });
  const wrong = await rest.api.call('POST', '/api/v1/database_connections/test/', { token: 'write', body: { ...config, password: 'wrong-password' } });
  expect(wrong.status).toBe(200);
  syntho('ApplicationMessage', wrong.body);
  expect(wrong.body).toMatchObject({ code: 'AUTHENTICATION_FAILED', kind: 'error' });
  expect(JSON.stringify(wrong.body)).not.toContain('wrong-password');
  const { host: _host, ...noHost } = config;
  const invalid = await rest.api.call('POST', '/api/v1/database_connections/test/', { token: 'write', body: noHost });
  expect(invalid.status).toBe(400);
  expect(invalid.body).toMatchObject({ code: 'SLC-0002', field: 'host' });
  expect((await rest.api.call('POST', '/api/v1/database_connections/test/', { token: 'read', body: config })).status).toBe(403);
});
