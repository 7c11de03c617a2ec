import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

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
  /** When set, requests need `Authorization: Bearer <token>`. */
  token?: string;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export async function startCodecServer(options: CodecServerOptions): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    handle(options, req, res).catch((err) => send(res, 500, { error: err instanceof Error ? err.message : String(err) }, options, req));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(o: CodecServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'OPTIONS') return send(res, 204, undefined, o, req);
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'POST' || (path !== '/encode' && path !== '/decode')) return send(res, 404, { error: 'POST /encode or /decode' }, o, req);
  if (o.token && req.headers.authorization !== `Bearer ${o.token}`) return send(res, 401, { error: 'unauthorized' }, o, req);
  const body = JSON.parse(await readBody(req)) as { payloads?: JsonPayload[] };
  const payloads = (body.payloads ?? []).map(fromJson);
  const result = path === '/encode' ? await o.codec.encode(payloads) : await o.codec.decode(payloads);
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
