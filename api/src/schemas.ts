import { z } from 'zod';
import { API_SCOPES, createApiTokenSchema, MAX_LIMIT } from '@sluice/catalog';
import type { SyncInput } from '@sluice/workflows';

/**
 * Request and response schemas of the REST API. Connection and token bodies
 * are the catalog's own schemas (re-exported by the routes); what the
 * catalog does not define yet (the sync request, the Job and the seeds'
 * envelopes) is defined here once, and the OpenAPI document comes from these.
 */

// Any 8-4-4-4-12 hex id, as the catalog reads ids (z.uuid() would also demand an RFC 4122 version and variant).
const uuid = z.guid();

/** Error body of Lerian's API (and Sluice's own /v1): a stable code, a title, a message naming the field. */
export const errorSchema = z.object({ code: z.string(), title: z.string(), message: z.string(), field: z.string().optional() }).meta({ id: 'Error' });

/** Collibra's StandardErrorResponse. */
export const collibraErrorSchema = z
  .object({ statusCode: z.number().int(), titleMessage: z.string(), helpMessage: z.string().optional(), userMessage: z.string(), errorCode: z.string() })
  .meta({ id: 'StandardErrorResponse' });

// Sluice's own /v1

export const JOB_TYPES = ['TEST_CONNECTION', 'SYNC', 'REFRESH_DATABASES', 'REFRESH_SCHEMAS', 'REFRESH_SCHEMA'] as const;
export const JOB_STATES = ['WAITING', 'RUNNING', 'CANCELING', 'COMPLETED', 'CANCELED', 'ERROR'] as const;

/** The Job every Sluice job answers; type-specific counters (tables, counts, …) ride along. */
export const jobSchema = z
  .looseObject({
    id: z.string(),
    type: z.enum(JOB_TYPES),
    state: z.enum(JOB_STATES),
    progressPercentage: z.number(),
    startDate: z.string().nullable(),
    endDate: z.string().nullable(),
    message: z.string().nullable(),
  })
  .meta({ id: 'Job' });

export const jobSummarySchema = z.object({
  id: z.string(),
  type: z.string(),
  state: z.enum(JOB_STATES),
  startDate: z.string(),
  endDate: z.string().nullable(),
});

export const jobListQuery = z.strictObject({
  type: z.enum(JOB_TYPES).optional(),
  state: z.enum(JOB_STATES).optional(),
  connection: z.string().min(1).optional().describe('a catalog connection id or configName'),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(100),
  cursor: z.string().min(1).max(4000).optional().describe('nextCursor of the previous page'),
});

/** A connection in a sync request: a catalog connection (preferred: no secret in the request), a URL or a Syntho config. */
const connectionSpecSchema = z.union([
  z.strictObject({ connectionId: z.string().min(1) }),
  z.strictObject({ url: z.string().min(1) }),
  z.strictObject({ config: z.looseObject({ connector_type: z.string() }) }),
]);

const syncMode = z.enum(['append', 'upsert', 'replace']);

export const syncRequestSchema = z
  .strictObject({
    source: connectionSpecSchema,
    destination: connectionSpecSchema,
    tables: z
      .array(z.strictObject({ schema: z.string().min(1), name: z.string().min(1), mode: syncMode.optional(), cursorColumn: z.string().optional(), destinationName: z.string().optional() }))
      .min(1)
      .optional(),
    schema: z.string().min(1).optional(),
    destinationSchema: z.string().min(1).optional(),
    mode: syncMode.optional(),
    cursorColumn: z.string().min(1).optional(),
    fullRefresh: z.boolean().optional(),
    createTables: z.boolean().optional(),
    flattenPartitions: z.boolean().optional(),
    highPerformance: z.boolean().optional(),
    disableTriggers: z.boolean().optional(),
    disableForeignKeys: z.boolean().optional(),
    rebuildIndexes: z.boolean().optional(),
    identityInsert: z.boolean().optional(),
    verify: z.enum(['count', 'checksum', 'none']).optional(),
    batchSize: z.number().int().min(1).max(1_000_000).optional(),
    maxParallelTables: z.number().int().min(1).max(64).optional(),
    splitRows: z.number().int().min(1).optional(),
    splitBytes: z.number().int().min(1).optional(),
    maxRangesPerTable: z.number().int().min(1).max(64).optional(),
  })
  .refine((s) => (s.tables === undefined) !== (s.schema === undefined), { message: "give either 'tables' or 'schema'", path: ['tables'] })
  .meta({ id: 'SyncRequest' });

// The request is the workflow's input: a field the workflow drops is a compile error here.
const _syncInputCheck = (s: z.output<typeof syncRequestSchema>): SyncInput => s;
void _syncInputCheck;

export const apiTokenSchema = z.object({ id: uuid, name: z.string(), scope: z.enum(API_SCOPES), createdAt: z.string(), revokedAt: z.string().nullable() }).meta({ id: 'ApiToken' });
export { createApiTokenSchema };

// Collibra catalog database registration

/** Collibra's limit: 0 or absent means the default page (100), at most 500. */
export const collibraPaging = {
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(0).max(MAX_LIMIT).default(0),
};

export const databaseConnectionSchema = z
  .object({ id: uuid, name: z.string(), edgeConnectionId: uuid, databaseId: uuid.optional() })
  .meta({ id: 'DatabaseConnection', description: 'The connection reference to a database; edgeConnectionId is the Sluice catalog connection.' });

export const schemaConnectionSchema = z
  .object({ id: uuid, name: z.string(), databaseConnectionId: uuid, schemaId: uuid.optional() })
  .meta({ id: 'SchemaConnection' });

const paged = <T extends z.ZodType>(item: T) => z.object({ results: z.array(item), total: z.number().int(), offset: z.number().int(), limit: z.number().int() });
export const databaseConnectionPageSchema = paged(databaseConnectionSchema).meta({ id: 'DatabaseConnectionPagedResponse' });
export const schemaConnectionPageSchema = paged(schemaConnectionSchema).meta({ id: 'SchemaConnectionPagedResponse' });

/** Collibra's Job object (Core API /rest/2.0/jobs): dates as epoch milliseconds. */
export const collibraJobSchema = z
  .object({
    id: uuid,
    resourceType: z.literal('Job'),
    name: z.string(),
    type: z.string(),
    createdBy: uuid.optional(),
    createdOn: z.number().int().optional(),
    progressPercentage: z.number(),
    startDate: z.number().int().optional(),
    endDate: z.number().int().optional(),
    state: z.enum(JOB_STATES),
    message: z.string().optional(),
  })
  .meta({ id: 'CollibraJob' });

// Lerian connections

/** Lerian's ConnectionResponse: never a password. */
export const connectionResponseSchema = z
  .object({
    id: uuid,
    configName: z.string(),
    type: z.string(),
    host: z.string().optional(),
    port: z.number().int().optional(),
    databaseName: z.string().optional(),
    userName: z.string().optional(),
    schema: z.string().optional(),
    ssl: z.object({ mode: z.string() }).optional(),
    metadata: z.record(z.string(), z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ConnectionResponse' });

export const connectionPageSchema = paged(connectionResponseSchema).meta({ id: 'ConnectionPage' });

export const applicationMessageSchema = z
  .object({ code: z.string(), title: z.string(), body: z.string(), kind: z.string(), details: z.record(z.string(), z.array(z.string())) })
  .meta({ id: 'ApplicationMessage' });

export const idParams = z.object({ id: uuid });
