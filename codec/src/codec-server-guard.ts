import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Loopback bind addresses: the only ones a codec server may listen on without a token. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Equal tokens, compared in constant time (over digests, so the length leaks nothing either). */
export function tokensEqual(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The Host headers a request may carry: the bind host and port, the loopback spellings of the
 * port, and the operator's own (`--allowed-host name` or `name:port`). Anything else is a
 * DNS-rebinding page or a misdirected request.
 */
export function allowedHosts(bindHost: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = ['localhost', '127.0.0.1', '[::1]', bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost];
  const out = new Set(names.map((n) => `${n.toLowerCase()}:${port}`));
  for (const e of extra) out.add(/:\d+$/.test(e) ? e.toLowerCase() : `${e.toLowerCase()}:${port}`);
  return out;
}

export function hostAllowed(req: IncomingMessage, allowed: Set<string>, port: number): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  return allowed.has(host) || allowed.has(`${host}:${port}`);
}

/**
 * The token a request presents: `Authorization: Bearer <token>`, or a path prefix
 * `/<token>/decode` (what a UI that cannot send headers calls when its codec endpoint is
 * `http://host:port/<token>`). Returns the route without the prefix.
 */
export function presented(req: IncomingMessage): { token: string | null; route: string } {
  const path = (req.url ?? '').split('?')[0]!;
  const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const prefixed = /^\/([^/]+)(\/(?:encode|decode))$/.exec(path);
  if (prefixed) return { token: decodeURIComponent(prefixed[1]!), route: prefixed[2]! };
  return { token: auth?.[1] ?? null, route: path };
}

/** Failed authentications per remote address in a sliding window: past the limit, the address waits. */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 60_000,
    private readonly maxAddresses = 10_000,
  ) {}

  blocked(address: string, now = Date.now()): boolean {
    return this.recent(address, now).length >= this.limit;
  }

  fail(address: string, now = Date.now()): void {
    const times = this.recent(address, now);
    times.push(now);
    this.failures.delete(address); // re-insert: the map stays in least-recently-failed order
    this.failures.set(address, times);
    if (this.failures.size > this.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(address: string, now: number): number[] {
    const times = (this.failures.get(address) ?? []).filter((t) => now - t < this.windowMs);
    if (times.length) this.failures.set(address, times);
    else this.failures.delete(address);
    return times;
  }
}
