import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Job, DatabaseConnection, SchemaConnection } from '@sluice/client';
import type { JobRef } from '@sluice/catalog';
import type { ApiDeps } from '../server';
import { ApiError } from '../errors';
import { idempotencyHeaders } from '../idempotency';
import { refJob, startRefreshOnce } from '../refresh-jobs';
import { collibraErrorSchema, collibraJobSchema, collibraPaging, databaseConnectionPageSchema, databaseConnectionSchema, schemaConnectionPageSchema, schemaConnectionSchema } from '../schemas';

const BASE = '/rest/catalogDatabase/v1';
const DEFAULT_LIMIT = 100;
const errors = { 400: collibraErrorSchema, 401: collibraErrorSchema, 403: collibraErrorSchema, 404: collibraErrorSchema, 422: collibraErrorSchema };
// Any 8-4-4-4-12 hex id, as the catalog reads ids (z.uuid() would also demand an RFC 4122 version and variant).
const uuid = z.guid();

const NAMES: Record<string, string> = {
  REFRESH_DATABASES: 'Refresh database connections',
  REFRESH_SCHEMAS: 'Refresh schema connections',
  REFRESH_SCHEMA: 'Refresh schema cache',
  SYNC: 'Sync',
  TEST_CONNECTION: 'Test connection',
};

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : undefined);

/** Collibra's Job object for a job started here: its UUID is the run's id. */
export function collibraJob(ref: JobRef, job: Job): z.output<typeof collibraJobSchema> {
  return {
    id: ref.id,
    resourceType: 'Job',
    name: NAMES[job.type] ?? job.type,
    type: job.type,
    ...(ref.createdBy ? { createdBy: ref.createdBy } : {}),
    createdOn: Date.parse(ref.createdAt),
    progressPercentage: job.progressPercentage,
    ...(job.startDate ? { startDate: ms(job.startDate) } : {}),
    ...(job.endDate ? { endDate: ms(job.endDate) } : {}),
    state: job.state,
    ...(job.message != null ? { message: job.message } : {}),
  };
}

const toDatabaseConnection = (d: DatabaseConnection) => ({ id: d.id, name: d.name, edgeConnectionId: d.connectionId, ...(d.databaseId ? { databaseId: d.databaseId } : {}) });
const toSchemaConnection = (s: SchemaConnection) => ({ id: s.id, name: s.name, databaseConnectionId: s.databaseConnectionId, ...(s.schemaId ? { schemaId: s.schemaId } : {}) });

/** Collibra's database registration API (database and schema connections, their refresh) and the Core API's jobs. */
export const collibraRoutes =
  ({ client, jobs }: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['Collibra database registration'];
    const knownRefs = new Map<string, JobRef>();
    app.get(`${BASE}/databaseConnections`, {
      schema: { tags, summary: 'List database connections', querystring: z.strictObject({ edgeConnectionId: uuid.optional(), schemaConnectionId: uuid.optional(), ...collibraPaging }), response: { 200: databaseConnectionPageSchema, ...errors } },
    }, async (request) => {
      const { edgeConnectionId, schemaConnectionId, offset, limit } = request.query;
      const page = await client.catalog.listDatabaseConnections({ connection: edgeConnectionId, schemaConnectionId, offset, limit: limit || DEFAULT_LIMIT });
      return { ...page, results: page.results.map(toDatabaseConnection) };
    });

    app.get(`${BASE}/databaseConnections/:databaseConnectionId`, {
      schema: { tags, summary: 'Retrieve a database connection', params: z.object({ databaseConnectionId: uuid }), response: { 200: databaseConnectionSchema, ...errors } },
    }, async (request) => toDatabaseConnection(await client.catalog.getDatabaseConnection(request.params.databaseConnectionId)));

    app.post(`${BASE}/databaseConnections/refresh`, {
      schema: { tags, summary: 'Refresh database connections from the data source', headers: idempotencyHeaders, querystring: z.strictObject({ edgeConnectionId: uuid }), response: { 202: collibraJobSchema, ...errors } },
    }, async (request, reply) => {
      const ref = await startRefreshOnce(client, { kind: 'databases', connection: request.query.edgeConnectionId }, request.apiToken!.id, request.headers['idempotency-key']);
      const { job } = await refJob(client, ref.id, knownRefs, jobs);
      return reply.code(202).header('location', `/rest/2.0/jobs/${ref.id}`).send(collibraJob(ref, job));
    });

    app.get(`${BASE}/schemaConnections`, {
      schema: { tags, summary: 'List schema connections', querystring: z.strictObject({ databaseConnectionId: uuid.optional(), schemaId: uuid.optional(), ...collibraPaging }), response: { 200: schemaConnectionPageSchema, ...errors } },
    }, async (request) => {
      const { limit, ...filter } = request.query;
      const page = await client.catalog.listSchemaConnections({ ...filter, limit: limit || DEFAULT_LIMIT });
      return { ...page, results: page.results.map(toSchemaConnection) };
    });

    app.get(`${BASE}/schemaConnections/:schemaConnectionId`, {
      schema: { tags, summary: 'Retrieve a schema connection', params: z.object({ schemaConnectionId: uuid }), response: { 200: schemaConnectionSchema, ...errors } },
    }, async (request) => toSchemaConnection(await client.catalog.getSchemaConnection(request.params.schemaConnectionId)));

    app.post(`${BASE}/schemaConnections/refresh`, {
      schema: { tags, summary: 'Refresh schema connections from the data source', headers: idempotencyHeaders, querystring: z.strictObject({ databaseConnectionId: uuid }), response: { 202: collibraJobSchema, ...errors } },
    }, async (request, reply) => {
      const ref = await startRefreshOnce(client, { kind: 'schemas', databaseConnection: request.query.databaseConnectionId }, request.apiToken!.id, request.headers['idempotency-key']);
      const { job } = await refJob(client, ref.id, knownRefs, jobs);
      return reply.code(202).header('location', `/rest/2.0/jobs/${ref.id}`).send(collibraJob(ref, job));
    });

    const jobTags = ['Collibra jobs'];
    app.get('/rest/2.0/jobs/:jobId', { schema: { tags: jobTags, summary: 'A job started through the REST API', params: z.object({ jobId: uuid }), response: { 200: collibraJobSchema, ...errors } } }, async (request) => {
      const { ref, job } = await refJob(client, request.params.jobId, knownRefs, jobs);
      return collibraJob(ref, job);
    });

    app.post('/rest/2.0/jobs/:jobId/cancel', {
      schema: { tags: jobTags, summary: 'Cancel a job: CANCELING, then CANCELED', params: z.object({ jobId: uuid }), response: { 202: collibraJobSchema, 409: collibraErrorSchema, ...errors } },
    }, async (request, reply) => {
      const { ref, job } = await refJob(client, request.params.jobId);
      if (['COMPLETED', 'CANCELED', 'ERROR'].includes(job.state)) {
        throw new ApiError(409, 'SLC-1022', 'Job Ended', `Job '${ref.id}' already ended (${job.state}): there is nothing to cancel.`, 'jobId');
      }
      await client.cancelJob(ref.workflowId, ref.id);
      jobs.forget(ref.workflowId);
      return reply.code(202).header('location', `/rest/2.0/jobs/${ref.id}`).send(collibraJob(ref, await client.getJob(ref.workflowId, ref.id)));
    });
  };
