import { execFile } from 'node:child_process';
import { freshCatalogDatabase } from './helpers/catalog-db';
import { runSluice } from './helpers/cli';
import { passwordOf, pgUrl } from './helpers/databases';
import { seedSchemas, startRestApi, type RestApi } from './helpers/rest-api';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

// The REST API over a real socket: bearer tokens and scopes, Lerian's connections, the OpenAPI document.
// Real Temporal (TEST_CONNECTION jobs) and a real PostgreSQL catalog.

let catalogDb: Awaited<ReturnType<typeof freshCatalogDatabase>>;
let env: TestTemporal;
let api: RestApi;
const lerian = seedSchemas('lerian');

beforeAll(async () => {
  catalogDb = await freshCatalogDatabase();
  process.env.SLUICE_CATALOG_URL = catalogDb.url;
  env = await startTestTemporal();
  api = await startRestApi(env);
});
afterAll(async () => {
  await api?.close();
  await env?.stop();
  await catalogDb?.drop();
});

const pg = new URL(pgUrl());
const fields = () => ({
  type: 'POSTGRESQL',
  host: pg.hostname,
  port: Number(pg.port || 5432),
  databaseName: pg.pathname.slice(1),
  userName: decodeURIComponent(pg.username),
  password: passwordOf(pgUrl()),
  schema: 'public',
  ssl: { mode: 'disable' },
  metadata: { environment: 'test', team: 'data-platform' },
});

test('every route but /openapi.json and /docs needs a bearer token: 401 without or with a bad one, 403 for a narrower scope', async () => {
  const none = await api.call('GET', '/v1/management/connections', { token: null });
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
  lerian('Error', none.body);
  expect(none.body.code).toBe('SLC-0401');
  const bad = await api.call('GET', '/v1/management/connections', { token: 'sluice_not-a-token' });
  expect(bad.status).toBe(401);
  const malformed = await api.call('GET', '/v1/jobs', { headers: { authorization: 'Basic dXNlcjpwdw==' }, token: null });
  expect(malformed.status).toBe(401);
  // Collibra's group answers its own error shape.
  const collibra = await api.call('GET', '/rest/catalogDatabase/v1/databaseConnections', { token: null });
  expect(collibra.status).toBe(401);
  seedSchemas('collibra')('StandardErrorResponse', collibra.body);
  expect(collibra.body).toMatchObject({ statusCode: 401, errorCode: 'SLC-0401' });

  expect((await api.call('GET', '/v1/management/connections', { token: 'read' })).status).toBe(200);
  const readPost = await api.call('POST', '/v1/management/connections', { token: 'read', body: { configName: 'nope' } });
  expect(readPost.status).toBe(403);
  expect(readPost.body).toMatchObject({ code: 'SLC-0403', message: expect.stringContaining("needs 'write'") });
  expect((await api.call('GET', '/v1/api-tokens', { token: 'write' })).status).toBe(403);
  expect((await api.call('GET', '/v1/api-tokens', { token: 'admin' })).status).toBe(200);
  // An unknown route is a 404 for a valid token, a 401 without one (no route probing without a token).
  expect((await api.call('GET', '/v1/nothing-here')).status).toBe(404);
  expect((await api.call('GET', '/v1/nothing-here', { token: null })).status).toBe(401);

  expect((await api.call('GET', '/openapi.json', { token: null })).status).toBe(200);
  const docs = await api.call('GET', '/docs/', { token: null });
  expect(docs.status).toBe(200);
  expect(docs.body).toContain('swagger-ui');
});

test('sluice api-token: created once (stored hashed), listed without the secret, revoked → 401', async () => {
  const cliEnv = { ...process.env, SLUICE_CATALOG_URL: catalogDb.url };
  const created = await runSluice(['api-token', 'create', 'ci-robot', '--scope', 'write', '--json'], cliEnv);
  expect(created.code).toBe(0);
  const { token, id } = JSON.parse(created.stdout) as { token: string; id: string };
  expect(token).toMatch(/^sluice_[A-Za-z0-9_-]{43}$/);
  expect((await api.call('GET', '/v1/jobs', { token })).status).toBe(200);
  expect((await api.call('GET', '/v1/api-tokens', { token })).status).toBe(403);
  // Only the SHA-256 is in the catalog.
  const stored = await catalogDbRows(`SELECT token_sha256 FROM sluice_catalog.api_tokens WHERE id = '${id}'`);
  expect(stored[0]!.token_sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(JSON.stringify(stored)).not.toContain(token.slice(7));

  const listed = await runSluice(['api-token', 'list', '--json'], cliEnv);
  expect(listed.code).toBe(0);
  expect(listed.stdout).not.toContain(token.slice(7));
  expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ id, name: 'ci-robot', scope: 'write', revokedAt: null })]));
  const viaRest = await api.call('GET', '/v1/api-tokens');
  expect(JSON.stringify(viaRest.body)).not.toContain(token.slice(7));

  expect((await runSluice(['api-token', 'revoke', 'ci-robot'], cliEnv)).code).toBe(0);
  expect((await api.call('GET', '/v1/jobs', { token })).status).toBe(401);
  expect((await runSluice(['api-token', 'create', 'x', '--scope', 'root'], cliEnv)).code).toBe(2);
  // Without --json: the token alone on stdout (for $(…)), what it is on stderr.
  const plain = await runSluice(['api-token', 'create', 'plain-robot'], cliEnv);
  expect(plain.code).toBe(0);
  expect(plain.stdout).toMatch(/^sluice_[A-Za-z0-9_-]{43}\n$/);
  expect(plain.stderr).toMatch(/'plain-robot' \(read, id [0-9a-f-]{36}\); shown only now/);
  expect((await api.call('GET', '/v1/jobs', { token: plain.stdout.trim() })).status).toBe(200);
  const taken = await runSluice(['api-token', 'create', 'plain-robot'], cliEnv);
  expect(taken.code).toBe(1);
  expect(taken.stderr).toContain('SLC-1002');
});

async function catalogDbRows(sql: string): Promise<Record<string, string>[]> {
  const { Client } = await import('pg');
  const c = new Client({ connectionString: catalogDb.url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

test('Lerian connections: create, get, list, PATCH, test, delete; the password is write-only; responses match the seed', async () => {
  const created = await api.call('POST', '/v1/management/connections', { body: { configName: 'production-db', ...fields() } });
  expect(created.status).toBe(201);
  lerian('ConnectionResponse', created.body);
  expect(created.headers.get('location')).toBe(`/v1/management/connections/${created.body.id}`);
  expect(created.body).toMatchObject({ configName: 'production-db', type: 'POSTGRESQL', host: pg.hostname, ssl: { mode: 'disable' }, metadata: { environment: 'test' } });
  expect(JSON.stringify(created.body)).not.toContain(passwordOf(pgUrl()));
  expect(created.body).not.toHaveProperty('password');
  const id = created.body.id as string;

  const got = await api.call('GET', `/v1/management/connections/${id}`, { token: 'read' });
  expect(got.status).toBe(200);
  lerian('ConnectionResponse', got.body);
  expect(got.body).toEqual(created.body);

  expect((await api.call('GET', '/v1/management/connections?type=MONGODB', { token: 'read' })).body.total).toBe(0);
  expect((await api.call('GET', '/v1/management/connections?type=SQLITE', { token: 'read' })).body).toMatchObject({ code: 'SLC-0002', field: 'type' });
  expect((await api.call('GET', '/v1/management/connections?limit=501', { token: 'read' })).body).toMatchObject({ code: 'SLC-0002', field: 'limit' });
  const list = await api.call('GET', '/v1/management/connections?type=POSTGRESQL&limit=10', { token: 'read' });
  expect(list.status).toBe(200);
  expect(list.body).toMatchObject({ total: 1, offset: 0, limit: 10 });
  list.body.results.forEach((c: unknown) => lerian('ConnectionResponse', c));

  // PEM certificates are accepted and never returned (only the mode is).
  const ca = '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEbV\n-----END CERTIFICATE-----\n';
  const withCa = await api.call('POST', '/v1/management/connections', { body: { configName: 'pem-db', ...fields(), ssl: { mode: 'verify-ca', ca } } });
  expect(withCa.status).toBe(201);
  lerian('ConnectionResponse', withCa.body);
  expect(withCa.body.ssl).toEqual({ mode: 'verify-ca' });
  expect((await api.call('DELETE', `/v1/management/connections/${withCa.body.id}`)).status).toBe(204);

  const patched = await api.call('PATCH', `/v1/management/connections/${id}`, { body: { configName: 'production-db-updated', schema: 'analytics', metadata: { team: 'platform' } } });
  expect(patched.status).toBe(200);
  lerian('ConnectionResponse', patched.body);
  expect(patched.body).toMatchObject({ configName: 'production-db-updated', schema: 'analytics', host: pg.hostname, metadata: { team: 'platform' } });
  expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));

  const badPatch = await api.call('PATCH', `/v1/management/connections/${id}`, { body: { port: 70000, type: 'POSTGRESQL' } });
  expect(badPatch.status).toBe(400);
  expect(badPatch.body).toMatchObject({ code: 'SLC-0002', field: 'port' });
  const emptyName = await api.call('PATCH', `/v1/management/connections/${id}`, { body: { configName: 'x' } });
  expect(emptyName.body).toMatchObject({ code: 'SLC-0002', field: 'configName' });

  // The password stayed (PATCH without it keeps it): the test job logs in.
  const tested = await api.call('POST', `/v1/management/connections/${id}/test`);
  expect(tested.status).toBe(200);
  expect(tested.body).toMatchObject({ code: 'CONNECTION_OK', kind: 'success' });
  const wrong = await api.call('PATCH', `/v1/management/connections/${id}`, { body: { password: 'not-the-password' } });
  expect(wrong.status).toBe(200);
  expect((await api.call('POST', `/v1/management/connections/${id}/test`)).body).toMatchObject({ code: 'AUTHENTICATION_FAILED', kind: 'error' });

  expect((await api.call('DELETE', `/v1/management/connections/${id}`, { token: 'read' })).status).toBe(403);
  const deleted = await api.call('DELETE', `/v1/management/connections/${id}`);
  expect(deleted.status).toBe(204);
  const gone = await api.call('GET', `/v1/management/connections/${id}`);
  expect(gone.status).toBe(404);
  lerian('Error', gone.body);
  expect(gone.body.code).toBe('SLC-1001');
});

test.each([
  ['a short configName', { configName: 'ab' }, 'SLC-0002', 'configName', /at least 3 characters/],
  ['a long configName', { configName: 'x'.repeat(101) }, 'SLC-0002', 'configName', /at most 100 characters/],
  ['no configName', { configName: undefined }, 'SLC-0001', 'configName', /required/],
  ['an unknown type', { type: 'SQLITE' }, 'SLC-0002', 'type', /must be one of/],
  ['port 0', { port: 0 }, 'SLC-0002', 'port', /at least 1/],
  ['port 65536', { port: 65536 }, 'SLC-0002', 'port', /at most 65535/],
  ['an unknown ssl mode', { ssl: { mode: 'prefer-maybe' } }, 'SLC-0002', 'ssl.mode', /disable, require, verify-ca, verify-full/],
  ['an ssl ca that is not PEM', { ssl: { mode: 'verify-ca', ca: '/etc/ssl/ca.pem' } }, 'SLC-0002', 'ssl.ca', /must be PEM text/],
  ['an ssl key that is not PEM', { ssl: { mode: 'verify-full', key: 'secret-key-text' } }, 'SLC-0002', 'ssl.key', /must be PEM text/],
  ['nested metadata', { metadata: { a: { b: 'c' } } }, 'SLC-0410', 'metadata.a', /nested/],
  ['a metadata key over 100', { metadata: { ['k'.repeat(101)]: 'v' } }, 'SLC-0412', undefined, /100 characters/],
  ['a metadata value over 2000', { metadata: { k: 'v'.repeat(2001) } }, 'SLC-0411', 'metadata.k', /2000 characters/],
  ['an unknown field', { colour: 'blue' }, 'SLC-0002', 'colour', /not a known field/],
])('Lerian create with %s: 400 with the seed error body naming the field', async (_, change, code, field, message) => {
  const body: Record<string, unknown> = { configName: 'validation-db', ...fields(), ...change };
  const res = await api.call('POST', '/v1/management/connections', { body });
  expect(res.status).toBe(400);
  lerian('Error', res.body);
  expect(res.body.code).toBe(code);
  expect(res.body.message).toMatch(message);
  if (field) expect(res.body.field).toBe(field);
  expect(JSON.stringify(res.body)).not.toContain(passwordOf(pgUrl()));
});

test('Lerian path and name rules: a malformed id is 400 Invalid Path Parameter, an unknown one 404, a taken name 409', async () => {
  const malformed = await api.call('GET', '/v1/management/connections/not-a-uuid');
  expect(malformed.status).toBe(400);
  lerian('Error', malformed.body);
  expect(malformed.body).toMatchObject({ code: 'SLC-0404', title: 'Invalid Path Parameter', field: 'id' });
  // Any hex id of the UUID shape is an id (not only RFC 4122 versions and variants): unknown, so 404.
  expect((await api.call('GET', '/v1/management/connections/12345678-1234-1234-1234-123456789abc')).status).toBe(404);
  const unknown = await api.call('PATCH', '/v1/management/connections/019996b8-f3d1-7d2b-a192-6e91464d82fc', { body: { port: 5433 } });
  expect(unknown.status).toBe(404);
  expect(unknown.body.code).toBe('SLC-1001');
  expect((await api.call('POST', '/v1/management/connections', { body: { configName: 'twice-db', ...fields() } })).status).toBe(201);
  const again = await api.call('POST', '/v1/management/connections', { body: { configName: 'twice-db', ...fields() } });
  expect(again.status).toBe(409);
  lerian('Error', again.body);
  expect(again.body).toMatchObject({ code: 'SLC-1002', title: 'Conflict', field: 'configName' });
  const badJson = await fetch(`${api.base}/v1/management/connections`, { method: 'POST', headers: { authorization: `Bearer ${api.tokens.write}`, 'content-type': 'application/json' }, body: '{"configName":' });
  expect(badJson.status).toBe(400);
  const badJsonBody = await badJson.json();
  lerian('Error', badJsonBody);
  expect(badJsonBody).toMatchObject({ code: 'SLC-0400', title: 'Bad Request' });
});

test('GET /openapi.json is OpenAPI 3.1, generated from the route schemas, and lists every route', async () => {
  const res = await api.call('GET', '/openapi.json', { token: null });
  expect(res.body.openapi).toBe('3.1.0');
  const paths = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
  expect(api.app.apiRoutes.length).toBeGreaterThanOrEqual(18);
  expect(paths.sort()).toEqual([...api.app.apiRoutes].sort());
  // A validator of OpenAPI documents from npm (ESM only: run by node itself, beside jest).
  const script = `import { Validator } from '@seriousme/openapi-schema-validator';
    let text = ''; for await (const chunk of process.stdin) text += chunk;
    const v = new Validator(); const res = await v.validate(JSON.parse(text));
    console.log(JSON.stringify({ valid: res.valid, version: v.version, errors: res.errors }));`;
  const verdict = await new Promise<{ valid: boolean; version: string; errors?: unknown }>((resolve, reject) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: __dirname }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))));
    child.stdin!.end(JSON.stringify(res.body));
  });
  expect(verdict).toEqual({ valid: true, version: '3.1' });
  // The connection body is the catalog's zod schema: its rules are in the document.
  const create = res.body.paths['/v1/management/connections'].post.requestBody.content['application/json'].schema;
  expect(create.properties.configName).toMatchObject({ minLength: 3, maxLength: 100 });
  expect(create.properties.port).toMatchObject({ minimum: 1, maximum: 65535 });
});

test('a per-token rate limit: past the budget 429 with the error body and Retry-After; other tokens unaffected', async () => {
  const limited = await startRestApi(env, { rateLimit: { max: 3, timeWindowMs: 60_000 } });
  try {
    for (let i = 0; i < 3; i++) expect((await limited.call('GET', '/v1/jobs', { token: 'read' })).status).toBe(200);
    const over = await limited.call('GET', '/v1/jobs', { token: 'read' });
    expect(over.status).toBe(429);
    lerian('Error', over.body);
    expect(over.body).toMatchObject({ code: 'SLC-0429', title: 'Too Many Requests' });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.call('GET', '/v1/jobs', { token: 'write' })).status).toBe(200);
  } finally {
    await limited.close();
  }
});

test('OIDC JWTs verified against a JWKS: scopes from the scope claim; wrong audience, issuer, key or an expired token → 401', async () => {
  const { generateKeyPair, exportJWK, SignJWT } = await import('jose');
  const { createServer } = await import('node:http');
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const jwks = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks.json`;
  const oidc = await startRestApi(env, { jwt: { jwksUrl, audience: 'sluice-api', issuer: 'https://idp.example' } });
  const sign = (claims: Record<string, unknown>, o: { key?: typeof privateKey; aud?: string; iss?: string; exp?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('service-42')
      .setIssuer(o.iss ?? 'https://idp.example')
      .setAudience(o.aud ?? 'sluice-api')
      .setIssuedAt()
      .setExpirationTime(o.exp ?? '5m')
      .sign(o.key ?? privateKey);
  try {
    const writer = await sign({ scope: 'openid sluice:write' });
    expect((await oidc.call('GET', '/v1/management/connections', { token: writer })).status).toBe(200);
    const created = await oidc.call('POST', '/v1/management/connections', { token: writer, body: { configName: 'jwt-db', url: pgUrl() } });
    expect(created.status).toBe(201);
    expect((await oidc.call('GET', '/v1/api-tokens', { token: writer })).status).toBe(403);
    const reader = await sign({ scope: 'sluice:read' });
    expect((await oidc.call('DELETE', `/v1/management/connections/${created.body.id}`, { token: reader })).status).toBe(403);
    expect((await oidc.call('GET', '/v1/management/connections', { token: await sign({ scope: 'openid profile' }) })).status).toBe(403);
    for (const bad of [await sign({ scope: 'sluice:admin' }, { aud: 'another-api' }), await sign({ scope: 'sluice:admin' }, { iss: 'https://evil.example' }), await sign({ scope: 'sluice:admin' }, { key: other.privateKey }), await sign({ scope: 'sluice:admin' }, { exp: '-1m' })]) {
      const res = await oidc.call('GET', '/v1/management/connections', { token: bad });
      expect(res.status).toBe(401);
      lerian('Error', res.body);
    }
    // Catalog tokens keep working beside JWTs.
    expect((await oidc.call('DELETE', `/v1/management/connections/${created.body.id}`, { token: 'write' })).status).toBe(204);
  } finally {
    await oidc.close();
    jwks.close();
  }
});

test('bodies over 1 MiB are refused (413, error body); no CORS headers are sent, preflights included', async () => {
  const big = await api.call('POST', '/v1/management/connections', { body: { configName: 'big-db', ...fields(), metadata: { blob: 'x'.repeat(1024 * 1024) } } });
  expect(big.status).toBe(413);
  expect(big.body).toMatchObject({ code: 'SLC-0413', title: 'Payload Too Large' });
  const origin = { origin: 'https://evil.example' };
  const get = await api.call('GET', '/v1/management/connections', { token: 'read', headers: origin });
  expect(get.status).toBe(200);
  expect(get.headers.get('access-control-allow-origin')).toBeNull();
  const preflight = await fetch(`${api.base}/v1/management/connections`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'POST' } });
  expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  expect([401, 404]).toContain(preflight.status);
});

test('an address that keeps failing authentication gets 429 for the rest of the minute, valid token or not', async () => {
  const guarded = await startRestApi(env, { authFailuresPerMinute: 3 });
  try {
    for (let i = 0; i < 3; i++) expect((await guarded.call('GET', '/v1/jobs', { token: `sluice_guess-${i}` })).status).toBe(401);
    const blocked = await guarded.call('GET', '/v1/jobs', { token: 'read' });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ code: 'SLC-0429', message: expect.stringContaining('failed authentications') });
    expect((await guarded.call('GET', '/openapi.json', { token: null })).status).toBe(200);
  } finally {
    await guarded.close();
  }
});
