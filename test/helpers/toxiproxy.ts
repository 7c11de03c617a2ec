import { randomBytes } from 'node:crypto';

/**
 * A tiny typed client of Toxiproxy's HTTP API (v2.5.0, started by scripts/start-toxiproxy.sh):
 * TCP proxies in front of the test databases, and toxics that break the traffic through them.
 */
export function toxiproxyUrl(): string {
  // Older env files (written before Toxiproxy joined the set-up) lack the variable: the script's default port.
  return process.env.SLUICE_TOXIPROXY_URL ?? 'http://127.0.0.1:58474';
}

export type ToxicStream = 'upstream' | 'downstream';

/** The toxics the fault tests use, with Toxiproxy's own attribute names. */
export type ToxicSpec =
  | { type: 'latency'; attributes: { latency: number; jitter?: number } }
  | { type: 'bandwidth'; attributes: { rate: number } } // KB/s
  | { type: 'reset_peer'; attributes: { timeout: number } } // ms before the RST; 0 = on the next data
  | { type: 'timeout'; attributes: { timeout: number } }; // ms of silence, then close; 0 = never close

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(toxiproxyUrl() + path, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`toxiproxy ${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export class Proxy {
  constructor(
    readonly name: string,
    /** host:port the proxy listens on (127.0.0.1, a free port). */
    readonly listen: string,
    readonly upstream: string,
  ) {}

  get port(): number {
    return Number(this.listen.split(':').pop());
  }

  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** A cut: closes the listener and every open connection; connecting is refused until `enable`. */
  async disable(): Promise<void> {
    await call('POST', `/proxies/${this.name}`, { enabled: false });
  }

  async enable(): Promise<void> {
    await call('POST', `/proxies/${this.name}`, { enabled: true });
  }

  /** Disabled for `ms`, then enabled again. */
  async cut(ms: number): Promise<void> {
    await this.disable();
    try {
      await new Promise((r) => setTimeout(r, ms));
    } finally {
      await this.enable();
    }
  }

  /** Adds a toxic (to existing and new connections); returns its name for `removeToxic`. */
  async addToxic(spec: ToxicSpec, stream: ToxicStream = 'downstream', toxicity = 1): Promise<string> {
    const name = `${spec.type}_${stream}_${randomBytes(3).toString('hex')}`;
    await call('POST', `/proxies/${this.name}/toxics`, { name, type: spec.type, stream, toxicity, attributes: spec.attributes });
    return name;
  }

  async removeToxic(name: string): Promise<void> {
    await call('DELETE', `/proxies/${this.name}/toxics/${name}`);
  }

  /** The toxic for `ms`, then removed. */
  async withToxic(spec: ToxicSpec, ms: number, stream: ToxicStream = 'downstream'): Promise<void> {
    const name = await this.addToxic(spec, stream);
    try {
      await new Promise((r) => setTimeout(r, ms));
    } finally {
      await this.removeToxic(name);
    }
  }

  async delete(): Promise<void> {
    await call('DELETE', `/proxies/${this.name}`).catch(() => undefined);
  }
}

/** A new proxy to `upstream` (host:port) on a free loopback port, named uniquely after `prefix`. */
export async function createProxy(prefix: string, upstream: string): Promise<Proxy> {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const created = await call<{ name: string; listen: string; upstream: string }>('POST', '/proxies', {
    name,
    listen: '127.0.0.1:0',
    upstream,
    enabled: true,
  });
  return new Proxy(created.name, created.listen, created.upstream);
}

/** host:port of a database URL. */
export function hostPortOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port}`;
}
