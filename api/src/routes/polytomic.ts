import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CatalogCode, CatalogError } from '@sluice/catalog';
import { formatCanonicalType, type TableSchema } from '@sluice/connector-sdk';
import type { ApiDeps } from '../server';
import { errorSchema, idParams } from '../schemas';
import { idempotencyHeaders } from '../idempotency';
import { startRefreshOnce } from '../refresh-jobs';

const tags = ['Polytomic schemas'];
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 422: errorSchema };

const statusSchema = z
  .object({ data: z.object({ cache_status: z.enum(['refreshing', 'fresh', 'cached', 'empty']), last_refresh_started: z.string().nullable(), last_refresh_finished: z.string().nullable() }) })
  .meta({ id: 'SchemaStatus' });

const schemaSchema = z
  .object({
    data: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        fields: z.array(z.object({ id: z.string(), name: z.string(), type: z.string(), native_type: z.string(), nullable: z.boolean() })),
        primary_keys: z.array(z.string()),
      }),
    ),
  })
  .meta({ id: 'ConnectionSchemas' });

const toSchema = (t: TableSchema) => ({
  id: `${t.schema}.${t.name}`,
  name: `${t.schema}.${t.name}`,
  fields: t.columns.map((c) => ({ id: c.name, name: c.name, type: formatCanonicalType(c.type), native_type: c.nativeType, nullable: c.nullable })),
  primary_keys: t.primaryKey ?? [],
});

/** Polytomic's schema cache of a connection: asynchronous refresh (healthy connections only), status, the cached schema. */
export const polytomicRoutes =
  ({ client }: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/api/connections/:id/schemas/refresh', {
      schema: { tags, summary: 'Refresh the connection schema cache (asynchronous; healthy connections only)', params: idParams, headers: idempotencyHeaders, response: { 202: z.object({ job_id: z.string(), run_id: z.guid() }), ...errors } },
    }, async (request, reply) => {
      const connection = await client.catalog.getConnection(request.params.id);
      // Refused up front, as the seed says, rather than as a failed job later: a TEST_CONNECTION job answers.
      const health = await client.testConnection({ connectionId: connection.id });
      if (health.kind !== 'success') {
        throw new CatalogError(CatalogCode.UNHEALTHY_CONNECTION, `Only healthy connections may be refreshed: '${connection.configName}' failed its health check (${health.code}: ${health.body}).`, 'id');
      }
      const ref = await startRefreshOnce(client, { kind: 'schema', connection: connection.id }, request.apiToken!.id, request.headers['idempotency-key']);
      return reply.code(202).header('location', `/api/connections/${connection.id}/schemas/status`).send({ job_id: ref.workflowId, run_id: ref.id });
    });

    app.get('/api/connections/:id/schemas/status', { schema: { tags, summary: 'Schema cache status', params: idParams, response: { 200: statusSchema, ...errors } } }, async (request) => {
      const s = await client.catalog.schemaStatus(request.params.id);
      return { data: { cache_status: s.cache_status, last_refresh_started: s.last_refresh_started, last_refresh_finished: s.last_refresh_finished } };
    });

    app.get('/api/connections/:id/schemas', { schema: { tags, summary: 'The cached schema', params: idParams, response: { 200: schemaSchema, ...errors } } }, async (request) => ({
      data: (await client.catalog.cachedSchema(request.params.id)).map(toSchema),
    }));
  };
