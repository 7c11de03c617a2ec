import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { allowedHosts, FailureLimiter, hostAllowed, isLoopback, presented, tokensEqual } from './codec-server-guard';

/**
 * The Temporal codec server protocol (what the Web UI and `temporal` CLI
 * call): POST /encode and POST /decode with `{ payloads: [{ metadata, data }] }`,
 * bytes in base64. An operator who runs it with the key reads job inputs in
 * the UI; without it the UI shows only ciphertext.
 */
export interface CodecServerOptions {
  codec: PayloadCodec;
  port?: number;
  host?: string;
  /** Origins allowed to call it from a browser (the Temporal UI), e.g. http://localhost:8233. */
  corsOrigins?: string[];
  /** Requests need it, as `Authorization: Bearer <token>` or as a path prefix (`/<token>/decode`). */
  token?: string;
  /** No token: allowed on a loopback bind address only. */
  insecureNoAuth?: boolean;
  /** Host headers accepted besides the bind host and loopback names (`name` or `name:port`). */
  allowedHosts?: string[];
  /** Serve /encode too (off: an encode endpoint lets a caller forge payloads workers accept). */
  enableEncode?: boolean;
  /** Failed authentications a remote address may make per minute before it gets 429 (default 10). */
  maxFailedAuthPerMinute?: number;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export class CodecServerConfigError extends Error {}

/** Refuses what would serve decrypted payloads to anyone who can reach the port. */
function checkOptions(o: CodecServerOptions): void {
  if (o.token !== undefined && o.token.length < 16) throw new CodecServerConfigError('the codec server token is too short: use at least 16 characters (e.g. `openssl rand -base64 32`)');
  if (o.token !== undefined) return;
  if (!o.insecureNoAuth) {
    throw new CodecServerConfigError('the codec server needs a token: set SLUICE_CODEC_SERVER_TOKEN or --token-file (or --insecure-no-auth on a loopback address)');
  }
  if (!isLoopback(o.host ?? '127.0.0.1')) {
    throw new CodecServerConfigError(`--insecure-no-auth is refused on ${o.host}: without a token the codec server binds to a loopback address only`);
  }
}

export async function startCodecServer(options: CodecServerOptions): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  checkOptions(options);
  const limiter = new FailureLimiter(options.maxFailedAuthPerMinute ?? 10);
  let hosts = new Set<string>();
  let port = 0;
  const server = createServer((req, res) => {
    handle(options, { limiter, hosts, port }, req, res).catch((err) => send(res, 500, { error: err instanceof Error ? err.message : String(err) }, options, req));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  port = (server.address() as { port: number }).port;
  hosts = allowedHosts(options.host ?? '127.0.0.1', port, options.allowedHosts);
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Guard {
  limiter: FailureLimiter;
  hosts: Set<string>;
  port: number;
}

async function handle(o: CodecServerOptions, g: Guard, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // A page on another name resolving to this address (DNS rebinding) never reaches the codec.
  if (!hostAllowed(req, g.hosts, g.port)) return send(res, 421, { error: 'unexpected Host header (add it with --allowed-host)' }, o, req);
  if (req.method === 'OPTIONS') return send(res, 204, undefined, o, req);
  const remote = req.socket.remoteAddress ?? 'unknown';
  if (g.limiter.blocked(remote)) return send(res, 429, { error: 'too many failed authentications: try again in a minute' }, o, req);
  const { token, route } = presented(req);
  if (o.token !== undefined && (token === null || !tokensEqual(token, o.token))) {
    g.limiter.fail(remote);
    return send(res, 401, { error: 'unauthorized' }, o, req);
  }
  if (req.method !== 'POST' || (route !== '/encode' && route !== '/decode')) return send(res, 404, { error: 'POST /decode' }, o, req);
  if (route === '/encode' && !o.enableEncode) return send(res, 403, { error: '/encode is disabled (start the codec server with --enable-encode)' }, o, req);
  const body = JSON.parse(await readBody(req)) as { payloads?: JsonPayload[] };
  const payloads = (body.payloads ?? []).map(fromJson);
  const result = route === '/encode' ? await o.codec.encode(payloads) : await o.codec.decode(payloads);
  send(res, 200, { payloads: result.map(toJson) }, o, req);
}

function send(res: ServerResponse, status: number, body: unknown, o: CodecServerOptions, req: IncomingMessage): void {
  res.statusCode = status;
  const origin = req.headers.origin;
  if (origin && o.corsOrigins?.includes(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
  }
  if (body === undefined) return void res.end();
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 8 * 1024 * 1024) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return { metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])), data: b64(p.data) };
}
