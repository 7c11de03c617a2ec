import type { FastifyInstance } from 'fastify';
import { SluiceClient } from '@sluice/client';
import { loadConnectors } from '@sluice/worker';
import { buildServer, openValidatingCatalog } from './server';

export interface ServeOptions {
  /** Temporal's address (default TEMPORAL_ADDRESS or localhost:7233). */
  address?: string;
  port?: number;
  host?: string;
  /** Structured JSON access logs on stdout (default on). */
  logs?: boolean;
}

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Connects a client (catalog from the environment, configs checked by the installed connectors) and listens. */
export async function startApi(options: ServeOptions = {}): Promise<RunningApi> {
  const { registry } = loadConnectors();
  const client = await SluiceClient.connect({ address: options.address, openCatalog: openValidatingCatalog(registry) });
  try {
    const app = await buildServer({ client, registry, logger: options.logs === false ? false : { level: 'info' } });
    const url = await app.listen({ port: options.port ?? 8080, host: options.host ?? '127.0.0.1' });
    return {
      app,
      url,
      close: async () => {
        await app.close(); // stops accepting, lets requests in flight finish
        await client.close();
      },
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}

/** Serves until SIGINT or SIGTERM, then shuts down gracefully. */
export async function serveUntilSignal(options: ServeOptions = {}): Promise<void> {
  const api = await startApi(options);
  process.stderr.write(`sluice api: ${api.url} (OpenAPI at ${api.url}/openapi.json, docs at ${api.url}/docs)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.close();
}
