import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CONNECTION_TYPES, createConnectionSchema, updateConnectionSchema, type Connection, type ConnectionType } from '@sluice/catalog';
import type { ApiDeps } from '../server';
import { applicationMessageSchema, connectionPageSchema, connectionResponseSchema, errorSchema, idParams } from '../schemas';

const BASE = '/v1/management/connections';
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const tags = ['Lerian connections'];

/** Lerian's ConnectionResponse: what is unset is left out; the password never leaves the catalog. */
export function connectionResponse(c: Connection): z.output<typeof connectionResponseSchema> {
  const optional = { host: c.host, port: c.port, databaseName: c.databaseName, userName: c.userName, schema: c.schema, ssl: c.ssl };
  return {
    id: c.id,
    configName: c.configName,
    type: c.type,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v != null)),
    metadata: c.metadata,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** Lerian's database connections: create, list, get, partial update, delete (409 while a job uses one), test. */
export const lerianRoutes =
  ({ client }: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(BASE, { schema: { tags, summary: 'Create a connection', body: createConnectionSchema, response: { 201: connectionResponseSchema, ...errors } } }, async (request, reply) => {
      const created = await client.catalog.createConnection(request.body);
      return reply.code(201).header('location', `${BASE}/${created.id}`).send(connectionResponse(created));
    });

    app.get(BASE, {
      schema: {
        tags,
        summary: 'List connections',
        querystring: z.strictObject({ type: z.enum(Object.keys(CONNECTION_TYPES) as [ConnectionType, ...ConnectionType[]]).optional(), offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: connectionPageSchema, ...errors },
      },
    }, async (request) => {
      const page = await client.catalog.listConnections(request.query);
      return { ...page, results: page.results.map(connectionResponse) };
    });

    app.get(`${BASE}/:id`, { schema: { tags, summary: 'Get a connection', params: idParams, response: { 200: connectionResponseSchema, ...errors } } }, async (request) =>
      connectionResponse(await client.catalog.getConnection(request.params.id)),
    );

    app.patch(`${BASE}/:id`, {
      schema: { tags, summary: 'Update a connection (409 while a job uses it)', params: idParams, body: updateConnectionSchema, response: { 200: connectionResponseSchema, ...errors } },
    }, async (request) => connectionResponse(await client.catalog.updateConnection(request.params.id, request.body)));

    app.delete(`${BASE}/:id`, { schema: { tags, summary: 'Delete a connection (409 while a job uses it)', params: idParams, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      await client.catalog.deleteConnection(request.params.id);
      return reply.code(204).send(null);
    });

    app.post(`${BASE}/:id/test`, { schema: { tags, summary: 'Test a connection (a TEST_CONNECTION job, awaited)', params: idParams, response: { 200: applicationMessageSchema, ...errors } } }, async (request) => {
      const connection = await client.catalog.getConnection(request.params.id);
      return client.testConnection({ connectionId: connection.id });
    });
  };
