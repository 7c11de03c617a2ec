import { ApplicationFailure } from '@temporalio/activity';
import {
  ConnectorError,
  redact,
  secretsOfSpec,
  type ConnectionSpec,
  type ConnectorPlugin,
  type ConnectorSession,
} from '@sluice/connector-sdk';
import type { ConnectionResolver } from './connections';
import { SessionCache } from './session-cache';
import { inSpan } from './tracing';

export interface OpenedConnection {
  plugin: ConnectorPlugin;
  session: ConnectorSession;
}

/**
 * A session for each spec (one a previous activity of this worker handed on,
 * else a new one), runs `fn`, and hands the sessions on to the next activity
 * when `fn` succeeded; closes them when it failed or was cancelled, and with
 * `last` (a job's last activity on these connections) closes their idle ones
 * too, and those of `alsoIdle` (connections this activity does not use).
 * Connector errors become Temporal failures: non-retryable when retrying
 * cannot help, always scrubbed of secrets.
 */
export async function withSessions<T>(
  connections: ConnectionResolver,
  specs: ConnectionSpec[],
  fn: (...opened: OpenedConnection[]) => Promise<T>,
  options: {
    last?: boolean;
    alsoIdle?: ConnectionSpec[];
    sides?: ('source' | 'destination')[];
    /** The side `fn` was waiting on when it failed: a connection lost mid-way is named like a failed open. */
    blame?: () => 'source' | 'destination' | null;
  } = {},
): Promise<T> {
  const opened: (OpenedConnection & { key: string })[] = [];
  const secrets = specs.flatMap(secretsOfSpec);
  const cache = connections.sessions;
  let ok = false;
  const named: { side: string; engine: string; config: { host?: unknown; port?: unknown } }[] = [];
  try {
    // Side by side (each open is a connect and a handshake); every session that opened is closed below.
    const opening = await Promise.allSettled(
      specs.map(async (spec, i) => {
        const { plugin, config, secrets: stored } = await connections.resolve(spec);
        secrets.push(...stored);
        const side = options.sides?.[i] ?? (specs.length === 2 ? (['source', 'destination'] as const)[i]! : 'connection');
        named[i] = { side, engine: plugin.type, config };
        const key = SessionCache.keyOf(plugin.type, config);
        const cached = cache.take(key);
        if (cached) return { key, ...cached };
        return inSpan('connector.open', { 'db.system': plugin.type, 'sluice.side': side }, async () => {
          try {
            return { key, plugin, session: await plugin.open(config) };
          } catch (err) {
            throw onSide(err, side, plugin.type, config);
          }
        });
      }),
    );
    for (const o of opening) if (o.status === 'fulfilled') opened.push(o.value);
    const failed = opening.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    let result: T;
    try {
      result = await fn(...opened);
    } catch (err) {
      const side = options.blame?.();
      const n = side ? named.find((x) => x?.side === side) : undefined;
      throw n ? lostOnSide(err, n.side, n.engine, n.config) : err;
    }
    ok = true;
    return result;
  } catch (err) {
    throw toFailure(err, secrets);
  } finally {
    if (ok && !options.last) for (const o of opened) await cache.give(o.key, o.plugin, o.session);
    else await Promise.all(opened.map((o) => o.session.close().catch(() => undefined)));
    if (options.last) {
      const others = await Promise.all(
        (options.alsoIdle ?? []).map((spec) =>
          connections.resolve(spec).then(
            (r) => SessionCache.keyOf(r.plugin.type, r.config),
            () => null,
          ),
        ),
      );
      await cache.closeIdle([...opened.map((o) => o.key), ...others.filter((k): k is string => k !== null)]);
    }
  }
}

/** A connection that could not be opened, named: which side, which engine, which host. */
function onSide(err: unknown, side: string, engine: string, config: { host?: unknown; port?: unknown }): unknown {
  if (!(err instanceof ConnectorError)) return err;
  const where = config.host ? ` at ${String(config.host)}${config.port ? `:${String(config.port)}` : ''}` : '';
  return new ConnectorError(err.code, `${side} ${engine}${where}: ${err.message}`, err.retryable, err.details);
}

/** What a driver says when its connection went away under a query (reset, cut, server restart, killed session). */
const CONNECTION_LOST =
  /Connection terminated|connection lost|Connection was killed|server closed the connection|terminating connection due to administrator command|socket hang up|ECONNRESET|EPIPE|ETIMEDOUT/i;

/**
 * A connection lost in the middle of an activity, named like one that could not be opened (which
 * side, which engine, which host), so that the retried attempt's failure tells the operator where
 * the fault is. Other errors pass unchanged.
 */
function lostOnSide(err: unknown, side: string, engine: string, config: { host?: unknown; port?: unknown }): unknown {
  if (!(err instanceof Error) || err instanceof ApplicationFailure || err.message.startsWith(`${side} `)) return err;
  const code = (err as { code?: unknown }).code;
  if (!CONNECTION_LOST.test(err.message) && !(typeof code === 'string' && CONNECTION_LOST.test(code))) return err;
  if (err instanceof ConnectorError) return onSide(err, side, engine, config);
  const where = config.host ? ` at ${String(config.host)}${config.port ? `:${String(config.port)}` : ''}` : '';
  const named = new Error(`${side} ${engine}${where}: ${err.message}`, { cause: err });
  named.name = err.name;
  return named;
}

/** A Temporal failure for an error from a connector or a plan check, secrets removed. */
export function toFailure(err: unknown, secrets: string[]): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ConnectorError) {
    return ApplicationFailure.create({
      type: err.code,
      message: redact(err.message, secrets),
      nonRetryable: !err.retryable,
      details: [err.details],
    });
  }
  if (err instanceof Error && (err.name === 'CancelledFailure' || err.name === 'AbortError')) return err;
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: 'DRIVER_ERROR', message: redact(message, secrets), nonRetryable: false });
}

/** A request that cannot succeed as asked: fails at once, never retried. */
export function unsupported(type: string, message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : [] });
}
