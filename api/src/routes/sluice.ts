import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { JobCursorError, type Job, type SluiceClient } from '@sluice/client';
import type { ApiDeps } from '../server';
import { ApiError } from '../errors';
import { earlierJob, IDEMPOTENCY_WINDOW_MS, idempotencyHeaders, idempotentRequest } from '../idempotency';
import { apiTokenSchema, createApiTokenSchema, errorSchema, jobListQuery, jobSchema, jobSummarySchema, syncRequestSchema } from '../schemas';

const jobParams = z.object({ id: z.string().min(1).max(400) });
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema };

/**
 * `Idempotency-Key`: the job the key started within 24 h (recorded in the catalog, with the
 * request's fingerprint); the workflow id is also derived from the token and the key, so two
 * requests with the same key at once start one job.
 */
async function startSyncOnce(client: SluiceClient, input: z.output<typeof syncRequestSchema>, key: string | undefined, tokenId: string): Promise<string> {
  if (!key) return client.startSync(input);
  const store = await client.catalog.store();
  const idempotent = idempotentRequest(tokenId, key, 'sync', input);
  const earlier = await earlierJob(store, idempotent);
  if (earlier) return earlier.workflowId;
  const jobId = `sync-idem-${idempotent!.key.slice(0, 32)}`;
  try {
    await client.startSync(input, { jobId });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // else: the same key, twice at once
  }
  const { runId } = await client.temporal.workflow.getHandle(jobId).describe();
  await store.recordJobRef({ id: runId, workflowId: jobId, createdBy: tokenId, idempotencyKey: idempotent }, IDEMPOTENCY_WINDOW_MS);
  return jobId;
}

/** A Job as a plain object (its type-specific counters included). */
const jobBody = (job: Job): z.output<typeof jobSchema> => ({ ...job });

/** Sluice's own /v1: syncs, jobs and API tokens. */
export const sluiceRoutes =
  ({ client, jobs, verifier }: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/v1/syncs', { schema: { tags: ['Sluice'], summary: 'Start a sync', headers: idempotencyHeaders, body: syncRequestSchema, response: { 202: jobSchema, ...errors } } }, async (request, reply) => {
      const id = await startSyncOnce(client, request.body, request.headers['idempotency-key'], request.apiToken!.id);
      return reply.code(202).header('location', `/v1/jobs/${encodeURIComponent(id)}`).send(jobBody(await client.getJob(id)));
    });

    app.get('/v1/jobs/:id', { schema: { tags: ['Sluice'], summary: 'A job', params: jobParams, response: { 200: jobSchema, ...errors } } }, async (request) => jobBody(await jobs.get(request.params.id)));

    app.get('/v1/jobs', {
      schema: { tags: ['Sluice'], summary: 'Jobs, newest first; `nextCursor` fetches the next page', querystring: jobListQuery, response: { 200: z.object({ results: z.array(jobSummarySchema), nextCursor: z.string().nullable() }), ...errors } },
    }, async (request) => {
      const { connection, limit, cursor, ...filter } = request.query;
      const connectionId = connection ? (await client.catalog.getConnection(connection)).id : undefined;
      try {
        const page = await client.listJobsPage({ ...filter, ...(connectionId ? { connection: { connectionId } } : {}), pageSize: limit, cursor });
        return { results: page.jobs, nextCursor: page.nextCursor };
      } catch (err) {
        if (err instanceof JobCursorError) throw new ApiError(400, 'SLC-0002', 'Invalid Field', err.message, 'cursor');
        throw err;
      }
    });

    app.post('/v1/jobs/:id/cancel', { schema: { tags: ['Sluice'], summary: 'Cancel a job', params: jobParams, response: { 202: jobSchema, ...errors } } }, async (request, reply) => {
      const job = await client.getJob(request.params.id);
      if (['COMPLETED', 'CANCELED', 'ERROR'].includes(job.state)) {
        throw new ApiError(409, 'SLC-1022', 'Job Ended', `Job '${job.id}' already ended (${job.state}): there is nothing to cancel.`, 'id');
      }
      await client.cancelJob(job.id);
      jobs.forget(job.id);
      return reply.code(202).header('location', `/v1/jobs/${encodeURIComponent(job.id)}`).send(jobBody(await client.getJob(job.id)));
    });

    const admin = { scope: 'admin' as const };
    app.get('/v1/api-tokens', { config: admin, schema: { tags: ['API tokens'], summary: 'API tokens (never their secret)', response: { 200: z.object({ results: z.array(apiTokenSchema) }), ...errors } } }, async () => ({
      results: await (await client.catalog.store()).listApiTokens(),
    }));

    app.post('/v1/api-tokens', { config: admin, schema: { tags: ['API tokens'], summary: 'Create a token (shown once)', body: createApiTokenSchema, response: { 201: z.object({ token: z.string(), apiToken: apiTokenSchema }), ...errors } } }, async (request, reply) =>
      reply.code(201).send(await (await client.catalog.store()).createApiToken(request.body)),
    );

    app.post('/v1/api-tokens/:id/revoke', { config: admin, schema: { tags: ['API tokens'], summary: 'Revoke a token', params: z.object({ id: z.string().min(1) }), response: { 200: apiTokenSchema, ...errors } } }, async (request) => {
      const revoked = await (await client.catalog.store()).revokeApiToken(request.params.id);
      verifier.forget(revoked.id);
      return revoked;
    });
  };

