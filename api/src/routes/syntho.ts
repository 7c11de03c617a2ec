import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConfigError, functionalitiesOf, supportedTypes, type ConnectorRegistry } from '@sluice/connector-sdk';
import type { ApiDeps } from '../server';
import { ApiError } from '../errors';
import { applicationMessageSchema, errorSchema } from '../schemas';

const BASE = '/api/v1/database_connections';
const tags = ['Syntho database connections'];
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

const functionalitySchema = z.object({
  name: z.string(),
  description: z.string().nullable().optional(),
  kind: z.string(),
  applicability: z.string(),
  capabilities: z.array(z.object({ name: z.string(), depends_on: z.array(z.string()).nullable().optional() })),
});
const property = z.object({ type: z.union([z.string(), z.array(z.string())]).nullable(), default: z.union([z.string(), z.number(), z.boolean()]).nullable(), values: z.array(z.string()).nullable().optional() });
const propertyMap = z.record(z.string(), z.record(z.string(), property));

/** The engine's own config rules (its zod schema, via the registry), as the field-naming 400. */
function checked(registry: ConnectorRegistry, config: { connector_type: string }): void {
  try {
    registry.resolve({ config });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const issue = err.issues[0]!;
    throw new ApiError(400, 'SLC-0002', 'Invalid Field', `'${issue.field}' ${issue.problem}. Fix it and try again.`, issue.field);
  }
}

/** Syntho's connector catalogue (functionalities, supported types) and its "test connection". */
export const synthoRoutes =
  ({ client, registry }: ApiDeps & { registry: ConnectorRegistry }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(`${BASE}/functionalities/`, {
      schema: { tags, summary: 'Functionalities of a connector type', querystring: z.strictObject({ connector_type: z.string().min(1) }), response: { 200: z.object({ functionalities: z.array(functionalitySchema) }), ...errors } },
    }, async (request) => {
      const plugin = registry.list().find((p) => p.connectorType === request.query.connector_type);
      if (!plugin) {
        const known = registry.list().map((p) => p.connectorType).join(', ');
        throw new ApiError(400, 'SLC-0002', 'Invalid Field', `'connector_type' must be one of ${known}.`, 'connector_type');
      }
      return { functionalities: functionalitiesOf(plugin.capabilities) };
    });

    app.get(`${BASE}/supported_types/`, {
      schema: { tags, summary: 'Installed connector types and their config properties', response: { 200: z.object({ connectors: propertyMap, write_connectors: propertyMap, hooks: propertyMap }), ...errors } },
    }, async () => supportedTypes(registry));

    app.post(`${BASE}/test/`, {
      schema: { tags, summary: 'Test a connection config (a TEST_CONNECTION job, awaited)', body: z.looseObject({ connector_type: z.string() }), response: { 200: applicationMessageSchema, ...errors } },
    }, async (request) => {
      checked(registry, request.body);
      return client.testConnection({ config: request.body });
    });
  };
