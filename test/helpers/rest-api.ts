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

export interface RestApi {
  base: string;
  app: FastifyInstance;
  client: SluiceClient;
  catalog: Catalog;
  tokens: Record<ApiScope, string>;
  /** fetch with a token (by scope, or a literal token, or none). */
  call(method: string, path: string, options?: { token?: ApiScope | string | null; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
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
  return {
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
      return { status: res.status, headers: res.headers, body };
    },
    async close() {
      await app.close();
      await client.close();
    },
  };
}
