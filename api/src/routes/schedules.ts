import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../server';
import { errorSchema, syncRequestSchema } from '../schemas';

const tags = ['Sluice schedules'];
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

const validZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const refreshTarget = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('databases'), connection: z.string().min(1) }),
  z.strictObject({ kind: z.literal('schemas'), databaseConnection: z.string().min(1) }),
  z.strictObject({ kind: z.literal('schema'), connection: z.string().min(1), schemas: z.array(z.string().min(1)).optional() }),
]);

export const scheduleRequestSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'letters, digits, ".", "_" and "-", up to 200'),
    cron: z.string().min(1).describe('standard cron (5 fields) or a macro such as @daily'),
    timezone: z.string().refine(validZone, 'must be an IANA time zone, e.g. Europe/Amsterdam').optional(),
    note: z.string().max(1000).optional(),
    sync: syncRequestSchema.optional(),
    refresh: refreshTarget.optional(),
  })
  .refine((s) => (s.sync === undefined) !== (s.refresh === undefined), { message: "give either 'sync' or 'refresh'", path: ['sync'] })
  .meta({ id: 'ScheduleRequest' });

export const scheduleSchema = z
  .object({ id: z.string(), cron: z.string().nullable(), timezone: z.string().nullable(), nextRuns: z.array(z.string()), recentJobs: z.array(z.string()), paused: z.boolean(), note: z.string().nullable() })
  .meta({ id: 'Schedule' });

const params = z.object({ id: z.string().min(1).max(200) });
const noteBody = z.strictObject({ note: z.string().max(1000).optional() }).nullish();

/** Cron schedules of syncs and refreshes (Temporal Schedules, overlap SKIP): CRUD, pause, unpause, trigger. */
export const scheduleRoutes =
  ({ client }: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/v1/schedules', { schema: { tags, summary: 'Create a schedule of a sync or a refresh', body: scheduleRequestSchema, response: { 201: scheduleSchema, ...errors } } }, async (request, reply) => {
      const { id, cron, timezone, note, sync, refresh } = request.body;
      const spec = { cron, timezone, note };
      if (sync) await client.createSchedule(id, sync, spec);
      else await client.catalog.createRefreshSchedule(id, refresh!, spec);
      return reply.code(201).header('location', `/v1/schedules/${encodeURIComponent(id)}`).send(await client.getSchedule(id));
    });

    app.get('/v1/schedules', { schema: { tags, summary: 'Schedules', response: { 200: z.object({ results: z.array(scheduleSchema) }), ...errors } } }, async () => ({ results: await client.listSchedules() }));

    app.get('/v1/schedules/:id', { schema: { tags, summary: 'A schedule', params, response: { 200: scheduleSchema, ...errors } } }, async (request) => client.getSchedule(request.params.id));

    app.delete('/v1/schedules/:id', { schema: { tags, summary: 'Delete a schedule (its running job goes on)', params, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      await client.deleteSchedule(request.params.id);
      return reply.code(204).send(null);
    });

    app.post('/v1/schedules/:id/pause', { schema: { tags, summary: 'Pause a schedule', params, body: noteBody, response: { 200: scheduleSchema, ...errors } } }, async (request) => {
      await client.pauseSchedule(request.params.id, request.body?.note);
      return client.getSchedule(request.params.id);
    });

    app.post('/v1/schedules/:id/unpause', { schema: { tags, summary: 'Unpause a schedule', params, body: noteBody, response: { 200: scheduleSchema, ...errors } } }, async (request) => {
      await client.unpauseSchedule(request.params.id, request.body?.note);
      return client.getSchedule(request.params.id);
    });

    app.post('/v1/schedules/:id/trigger', { schema: { tags, summary: 'Run a schedule now (as its cron would)', params, response: { 202: scheduleSchema, ...errors } } }, async (request, reply) => {
      await client.triggerSchedule(request.params.id);
      return reply.code(202).send(await client.getSchedule(request.params.id));
    });
  };
