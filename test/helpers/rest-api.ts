import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { buildServer, openValidatingCatalog, type ApiOptions } from '@sluice/api';
import { SluiceClient, type Catalog } from '@sluice/client';
import type { ApiScope } from '@sluice/catalog';
import { loadConnectors } from '@sluice/worker';
import type { TestTemporal } from './temporal';
import { freshCatalogDatabase } from './catalog-db';
import { useSyncWorld, type SyncWorld } from './sync-fixtures';

export type Seed = 'collibra' | 'lerian' | 'polytomic' | 'syntho';

/**
 * Checks a live response against the seed's own schema (test/seed-schemas: the
 * components of the seeds' OpenAPI documents, verbatim) with ajv and its formats.
 */
export function seedSchemas(seed: Seed): (name: string, value: unknown) => void {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const f of ['int32', 'int64', 'double', 'password', 'url']) ajv.addFormat(f, true); // OpenAPI's formats without a check
  ajv.addSchema(JSON.parse(readFileSync(join(__dirname, '..', 'seed-schemas', `${seed}.json`), 'utf8')), seed);
  return (name, value) => {
    const validate = ajv.getSchema(`${seed}#/components/schemas/${name}`);
    if (!validate) throw new Error(`the ${seed} seed has no schema ${name}`);
    if (!validate(value)) throw new Error(`${seed} ${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value, null, 2)}`);
  };
}

/** Which seed schema a response of this route and status must satisfy (null: the route is Sluice's own). */
const CONTRACTS: [method: string, path: RegExp, status: number, seed: Seed, schema: string][] = [
  ['GET', /^\/rest\/catalogDatabase\/v1\/databaseConnections$/, 200, 'collibra', 'DatabaseConnectionPagedResponse'],
  ['GET', /^\/rest\/catalogDatabase\/v1\/databaseConnections\/[^/]+$/, 200, 'collibra', 'DatabaseConnection'],
  ['POST', /^\/rest\/catalogDatabase\/v1\/(database|schema)Connections\/refresh$/, 202, 'collibra', 'Job'],
  ['GET', /^\/rest\/catalogDatabase\/v1\/schemaConnections$/, 200, 'collibra', 'SchemaConnectionPagedResponse'],
  ['GET', /^\/rest\/catalogDatabase\/v1\/schemaConnections\/[^/]+$/, 200, 'collibra', 'SchemaConnection'],
  ['GET', /^\/rest\/2\.0\/jobs\/[^/]+$/, 200, 'collibra', 'Job'],
  ['POST', /^\/rest\/2\.0\/jobs\/[^/]+\/cancel$/, 202, 'collibra', 'Job'],
  ['POST', /^\/v1\/management\/connections$/, 201, 'lerian', 'ConnectionResponse'],
  ['GET', /^\/v1\/management\/connections\/[^/]+$/, 200, 'lerian', 'ConnectionResponse'],
  ['PATCH', /^\/v1\/management\/connections\/[^/]+$/, 200, 'lerian', 'ConnectionResponse'],
  ['GET', /^\/api\/connections\/[^/]+\/schemas\/status$/, 200, 'polytomic', 'SchemaStatus'],
  ['GET', /^\/api\/v1\/database_connections\/functionalities\/$/, 200, 'syntho', 'FunctionalityListSchema'],
  ['GET', /^\/api\/v1\/database_connections\/supported_types\/$/, 200, 'syntho', 'SupportedConnectionTypes'],
  ['POST', /^\/api\/v1\/database_connections\/test\/$/, 200, 'syntho', 'ApplicationMessage'],
];

const validators = {} as Record<Seed, (name: string, value: unknown) => void>;

/**
 * Every response the suite receives is checked against the seed's schema for its route: the
 * success bodies above, Collibra's StandardErrorResponse for errors under /rest, and Lerian's Error
 * for the other errors (Sluice's own routes answer errors in that shape too).
 */
export function checkContract(method: string, url: string, status: number, body: unknown): void {
  const path = url.split('?')[0]!;
  if (path === '/openapi.json' || path.startsWith('/docs')) return;
  const check = (seed: Seed, schema: string) => (validators[seed] ??= seedSchemas(seed))(schema, body);
  if (status >= 400) return check(path.startsWith('/rest/') ? 'collibra' : 'lerian', path.startsWith('/rest/') ? 'StandardErrorResponse' : 'Error');
  if (method === 'GET' && path === '/v1/management/connections') {
    for (const item of (body as { results: unknown[] }).results) (validators.lerian ??= seedSchemas('lerian'))('ConnectionResponse', item);
    return;
  }
  const contract = CONTRACTS.find(([m, p, s]) => m === method && p.test(path) && s === status);
  if (contract) check(contract[3], contract[4]);
}

export interface RestApi {
  base: string;
  app: FastifyInstance;
  client: SluiceClient;
  catalog: Catalog;
  tokens: Record<ApiScope, string>;
  /** fetch with a token (by scope, or a literal token, or none). */
  call(method: string, path: string, options?: { token?: ApiScope | string | null; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  /** Creates a catalog connection (POST /v1/management/connections, 201); its id. */
  connection(configName: string, url: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Jest hooks for a REST API test file: a fresh catalog database (SLUICE_CATALOG_URL), a sync world
 * (`useSyncWorld(prefix, rows)`: Temporal, worker, source rows) and the REST API over a socket on it.
 * `api` is there from the first test on.
 */
export function useRestApi(prefix: string, rows: number): { world: SyncWorld; api: RestApi } {
  let catalogDb: Awaited<ReturnType<typeof freshCatalogDatabase>> | undefined;
  beforeAll(async () => {
    catalogDb = await freshCatalogDatabase();
    process.env.SLUICE_CATALOG_URL = catalogDb.url;
  });
  const rest = { world: useSyncWorld(prefix, rows) } as { world: SyncWorld; api: RestApi };
  beforeAll(async () => {
    rest.api = await startRestApi(rest.world.env);
  });
  afterAll(async () => {
    await rest.api?.close();
    await catalogDb?.drop();
  });
  return rest;
}

/** The REST API on a loopback port, over a client of the test file's Temporal and the catalog SLUICE_CATALOG_URL names. */
export async function startRestApi(env: TestTemporal, options: Partial<ApiOptions> = {}): Promise<RestApi> {
  const { registry } = loadConnectors();
  const client = await SluiceClient.connect({ address: env.server.address, taskQueue: env.taskQueue, openCatalog: openValidatingCatalog(registry) });
  const app = await buildServer({ client, registry, tokenCacheMs: 0, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  const catalog = await client.catalog.store();
  const tokens = {} as Record<ApiScope, string>;
  for (const scope of ['read', 'write', 'admin'] as const) tokens[scope] = (await catalog.createApiToken({ name: `test-${scope}-${port}`, scope })).token;
  const api: RestApi = {
    base,
    app,
    client,
    catalog,
    tokens,
    async call(method, path, options = {}) {
      const token = options.token === undefined ? tokens.admin : options.token === null ? null : (tokens[options.token as ApiScope] ?? options.token);
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (token) headers.authorization = `Bearer ${token}`;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(base + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // not JSON (the docs page)
      }
      checkContract(method, path, res.status, body);
      return { status: res.status, headers: res.headers, body };
    },
    async connection(configName, url) {
      const res = await api.call('POST', '/v1/management/connections', { body: { configName, url } });
      expect(res.status).toBe(201);
      return res.body.id;
    },
    async close() {
      await app.close();
      await client.close();
    },
  };
  return api;
}
