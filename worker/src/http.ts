import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the readiness probe asks: ready, or why not. */
export type Readiness = () => Promise<{ ready: true } | { ready: false; reason: string }>;

export interface ObservabilityServerOptions {
  /** TCP port (0: any free one). */
  port: number;
  /** Interface to bind (default: every one, as a probe from outside the pod or host needs). */
  host?: string;
  readiness: Readiness;
  /** The Prometheus text exposition of `/metrics`; 404 without it. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

export interface ObservabilityServer {
  readonly server: Server;
  /** The port bound (the one asked for, or the free one picked for 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The worker's HTTP side: `/healthz` (200 while the process serves at all),
 * `/readyz` (200 when `readiness` says so, 503 with the reason otherwise) and
 * `/metrics`. Nothing else; no route reads a request body.
 */
export async function startObservabilityServer(options: ObservabilityServerOptions): Promise<ObservabilityServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  // Probes must not keep the process alive once the worker is done.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ObservabilityServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
  if (path === '/healthz') return send(res, 200, 'ok\n');
  if (path === '/readyz') {
    const r = await options.readiness();
    return r.ready ? send(res, 200, 'ready\n') : send(res, 503, `not ready: ${r.reason}\n`);
  }
  if (path === '/metrics' && options.metrics) {
    const { contentType, body } = await options.metrics();
    return send(res, 200, body, contentType);
  }
  return send(res, 404, 'not found\n');
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * `SLUICE_METRICS_PORT`: the port of the health and metrics routes, or null
 * when unset or empty (no HTTP server at all).
 */
export function metricsPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.SLUICE_METRICS_PORT?.trim();
  if (!raw) return null;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`SLUICE_METRICS_PORT must be a TCP port number (0-65535), not '${raw}'`);
  }
  return port;
}

export interface WorkerProbe {
  /** The Worker's state (`Worker.getState()`), undefined before it exists. */
  state(): string | undefined;
  /** True from the shutdown signal on. */
  stopping(): boolean;
  /** One cheap call to the Temporal frontend; rejects when it cannot be reached. */
  ping(): Promise<void>;
}

/**
 * Ready = the Worker polls (state RUNNING), no shutdown was asked, and the
 * Temporal frontend answered a call within `timeoutMs`. A good answer is
 * reused for `cacheMs`, so frequent probes cost Temporal little.
 */
export function workerReadiness(probe: WorkerProbe, options: { cacheMs?: number; timeoutMs?: number } = {}): Readiness {
  const cacheMs = options.cacheMs ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  let okUntil = 0;
  return async () => {
    if (probe.stopping()) return { ready: false, reason: 'shutting down' };
    const state = probe.state();
    if (state !== 'RUNNING') return { ready: false, reason: `worker state ${state ?? 'STARTING'}` };
    if (Date.now() < okUntil) return { ready: true };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe.ping(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs))),
      ]);
    } catch (err) {
      return { ready: false, reason: `Temporal unreachable: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      clearTimeout(timer);
    }
    okUntil = Date.now() + cacheMs;
    return { ready: true };
  };
}
