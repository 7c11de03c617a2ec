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

export interface OpenedConnection {
  plugin: ConnectorPlugin;
  session: ConnectorSession;
}

/**
 * Opens a session for each spec, runs `fn`, and closes every session even
 * when `fn` fails or is cancelled. Connector errors become Temporal failures:
 * non-retryable when retrying cannot help, always scrubbed of secrets.
 */
export async function withSessions<T>(
  connections: ConnectionResolver,
  specs: ConnectionSpec[],
  fn: (...opened: OpenedConnection[]) => Promise<T>,
): Promise<T> {
  const opened: OpenedConnection[] = [];
  const secrets = specs.flatMap(secretsOfSpec);
  try {
    // Side by side (each open is a connect and a handshake); every session that opened is closed below.
    const opening = await Promise.allSettled(
      specs.map(async (spec) => {
        const { plugin, config, secrets: stored } = await connections.resolve(spec);
        secrets.push(...stored);
        return { plugin, session: await plugin.open(config) };
      }),
    );
    for (const o of opening) if (o.status === 'fulfilled') opened.push(o.value);
    const failed = opening.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    return await fn(...opened);
  } catch (err) {
    throw toFailure(err, secrets);
  } finally {
    await Promise.all(opened.map((o) => o.session.close().catch(() => undefined)));
  }
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
