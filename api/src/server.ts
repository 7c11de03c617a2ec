import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Catalog } from '@sluice/catalog';
import { FailureLimiter } from '@sluice/codec';
import type { SluiceClient } from '@sluice/client';
import type { ConnectorRegistry } from '@sluice/connector-sdk';
import { loadConnectors } from '@sluice/worker';
import { checkScope, jwtOptionsFromEnv, PUBLIC_PATHS, requiredScope, TokenVerifier, type JwtOptions } from './auth';
import { ApiError, sendError } from './errors';
import { JobCache } from './job-cache';
import { collibraRoutes } from './routes/collibra';
import { lerianRoutes } from './routes/lerian';
import { polytomicRoutes } from './routes/polytomic';
import { scheduleRoutes } from './routes/schedules';
import { sluiceRoutes } from './routes/sluice';
import { synthoRoutes } from './routes/syntho';

declare module 'fastify' {
  interface FastifyInstance {
    /** `METHOD /path/{param}` of every API route (not the docs'): what the OpenAPI document must list. */
    apiRoutes: string[];
  }
}

export interface ApiDeps {
  client: SluiceClient;
  jobs: JobCache;
  verifier: TokenVerifier;
  registry: ConnectorRegistry;
}

export interface ApiOptions {
  client: SluiceClient;
  /** The installed connectors (the Syntho endpoints list them and check configs); default: loadConnectors(). */
  registry?: ConnectorRegistry;
  /** Fastify's logger option: structured access logs (the Authorization header is never logged). */
  logger?: FastifyServerOptions['logger'];
  /** Largest request body (default 1 MiB). */
  bodyLimit?: number;
  /** How long a verified token is trusted before the catalog is asked again (default 5 s). */
  tokenCacheMs?: number;
  /** Failed authentications an address may make per minute before it gets 429 for the rest of the minute (default 30). */
  authFailuresPerMinute?: number;
  /** Also accept OIDC JWTs verified against this JWKS (default: SLUICE_API_JWKS_URL and friends); false: tokens only. */
  jwt?: JwtOptions | false;
  /** GETs of one job within this time share one fetch from Temporal (default 500 ms). */
  jobCacheMs?: number;
  /** Requests per token per window (default 60,000 a minute; SLUICE_API_RATE_LIMIT sets the per-minute figure); false: none. */
  rateLimit?: { max: number; timeWindowMs: number } | false;
}

function defaultRateLimit(): { max: number; timeWindowMs: number } {
  const perMinute = Number(process.env.SLUICE_API_RATE_LIMIT ?? 60_000);
  return { max: perMinute > 0 ? perMinute : 60_000, timeWindowMs: 60_000 };
}

/** The catalog a REST server opens: engine configs checked by the installed connectors' schemas. */
export function openValidatingCatalog(registry: ConnectorRegistry): () => Promise<Catalog> {
  return () => Catalog.open({ validateConfig: (config) => void registry.resolve({ config: config as { connector_type: string } }) });
}

/**
 * The seeds' REST surface over one SluiceClient and its catalog: every route
 * needs a bearer token of the right scope, but the OpenAPI document and its
 * docs page. No CORS headers are sent (browsers on other origins are refused).
 */
export async function buildServer(options: ApiOptions): Promise<FastifyInstance> {
  const app = createApp(options);
  const verifier = authenticate(app, options);
  await limitRates(app, options.rateLimit ?? defaultRateLimit());
  await describeWithOpenApi(app);
  const deps: ApiDeps = { client: options.client, jobs: new JobCache(options.client, options.jobCacheMs), verifier, registry: options.registry ?? loadConnectors().registry };
  for (const routes of [sluiceRoutes, scheduleRoutes, collibraRoutes, lerianRoutes, polytomicRoutes, synthoRoutes]) await app.register(routes(deps));
  return app;
}

type App = ReturnType<typeof createApp>;

/** Fastify with zod validation and serialization, each group's error bodies, and the list of its routes. */
function createApp(options: ApiOptions) {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    requestTimeout: 120_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Workflow ids of scheduled jobs are long (schedule id, target id, timestamp).
    routerOptions: { maxParamLength: 1000 },
  }).withTypeProvider<ZodTypeProvider>();
  app.decorate('apiRoutes', [] as string[]);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs') || route.url === '/openapi.json') return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') app.apiRoutes.push(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));
  app.setNotFoundHandler((request, reply) => sendError({ statusCode: 404, code: 'Not Found', message: `No route ${request.method} ${request.url.split('?')[0]}` }, request, reply));
  return app;
}

/** Bearer tokens (catalog or OIDC) on every route but the public ones, then the route's scope. */
function authenticate(app: App, options: ApiOptions): TokenVerifier {
  const jwt = options.jwt === false ? undefined : (options.jwt ?? jwtOptionsFromEnv());
  const verifier = new TokenVerifier(() => options.client.catalog.store(), options.tokenCacheMs, jwt);
  // Guessing tokens costs a catalog lookup each: an address that keeps failing waits (as the codec server does).
  const failures = new FailureLimiter(options.authFailuresPerMinute ?? 30, 60_000);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0]!;
    if (PUBLIC_PATHS.some((p) => p.test(path))) return;
    if (failures.blocked(request.ip)) throw new ApiError(429, 'SLC-0429', 'Too Many Requests', 'Too many failed authentications from this address: try again in a minute.');
    try {
      request.apiToken = await verifier.verify(request);
    } catch (err) {
      if ((err as ApiError).status === 401) failures.fail(request.ip);
      throw err;
    }
    // Unknown routes answer 404 to any valid token.
    if (request.routeOptions.url) checkScope(request.apiToken, requiredScope(request));
  });
  return verifier;
}

/** A request budget per token, counted after authentication: the token's, whatever address it comes from. */
async function limitRates(app: App, limit: { max: number; timeWindowMs: number } | false): Promise<void> {
  if (!limit) return;
  await app.register(rateLimit, {
    hook: 'preHandler',
    max: limit.max,
    timeWindow: limit.timeWindowMs,
    keyGenerator: (request) => request.apiToken?.id ?? request.ip,
    allowList: (request) => !request.apiToken,
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'SLC-0429', 'Too Many Requests', `This token made more than ${context.max} requests in ${limit.timeWindowMs / 1000} s; retry in ${context.after}.`),
  });
}

/** GET /openapi.json (OpenAPI 3.1 from the routes' zod schemas) and Swagger UI at /docs. */
async function describeWithOpenApi(app: App): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Sluice REST API', version: '0.1.0', description: 'Connections, refresh and sync jobs: the seeds’ endpoints (Collibra, Lerian, Polytomic, Syntho) and Sluice’s own /v1.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from `sluice api-token create`, or an OIDC JWT with sluice:read|write|admin in its scope claim when SLUICE_API_JWKS_URL is set' } } },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { url: '/openapi.json' } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
