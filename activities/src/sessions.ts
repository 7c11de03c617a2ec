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
  options: { last?: boolean; alsoIdle?: ConnectionSpec[]; sides?: ('source' | 'destination')[] } = {},
): Promise<T> {
  const opened: (OpenedConnection & { key: string })[] = [];
  const secrets = specs.flatMap(secretsOfSpec);
  const cache = connections.sessions;
  let ok = false;
  try {
    // Side by side (each open is a connect and a handshake); every session that opened is closed below.
    const opening = await Promise.allSettled(
      specs.map(async (spec, i) => {
        const { plugin, config, secrets: stored } = await connections.resolve(spec);
        secrets.push(...stored);
        const key = SessionCache.keyOf(plugin.type, config);
        const cached = cache.take(key);
        if (cached) return { key, ...cached };
        try {
          return { key, plugin, session: await plugin.open(config) };
        } catch (err) {
          throw onSide(err, options.sides?.[i] ?? (specs.length === 2 ? (['source', 'destination'] as const)[i]! : 'connection'), plugin.type, config);
        }
      }),
    );
    for (const o of opening) if (o.status === 'fulfilled') opened.push(o.value);
    const failed = opening.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    const result = await fn(...opened);
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
