import type { RelationalConfig } from './config';
import type { TestOptions } from './connector';
import type { ConnectorError } from './errors';
import { applicationMessage, TestCode, type ApplicationMessage } from './messages';
import { secretsOf } from './config';
import { sslMode } from './ssl';
import { throughTunnel, viaTunnel, type Address } from './ssh-tunnel';

/** What one engine's connection attempt reads off the server. */
export interface ServerVersion {
  /** Product name as shown to people, e.g. `PostgreSQL`, `MariaDB`. */
  product: string;
  /** Short version, e.g. `15.18`. */
  server_version: string;
  /** The full version string. */
  version: string;
  ssl: boolean;
}

export interface ConnectionTestSteps<C extends RelationalConfig> {
  /** Connects to `address` (the server, or an SSH tunnel's local end), reads the version, disconnects. */
  connect(config: C, address: Address, signal: AbortSignal | undefined, withSsl?: boolean): Promise<ServerVersion>;
  /** Sorts a driver error into a stable code, secrets removed. */
  classify(err: unknown, secrets: string[]): ConnectorError;
  /** The driver's error when the server has no TLS: `prefer` then retries without. */
  noTlsOnServer: RegExp;
}

/**
 * The `test` operation every SQL connector shares: through the SSH tunnel
 * when configured, libpq's `prefer` fallback, an application message with
 * the version and latency, or the cause's stable code — never a secret.
 */
export async function runConnectionTest<C extends RelationalConfig>(
  config: C,
  options: TestOptions,
  steps: ConnectionTestSteps<C>,
): Promise<ApplicationMessage> {
  const where = `${config.host}:${config.port}/${config.database}`;
  const started = performance.now();
  try {
    const version = await throughTunnel(
      config,
      (address) =>
        steps.connect(config, address, options.signal).catch(async (err) => {
          const text = `${(err as { code?: string })?.code ?? ''} ${(err as Error)?.message ?? ''}`;
          if (sslMode(config) === 'prefer' && steps.noTlsOnServer.test(text)) return steps.connect(config, address, options.signal, false);
          throw err;
        }),
      options.signal,
    );
    const latencyMs = Math.round(performance.now() - started);
    return applicationMessage(
      TestCode.OK,
      `Connected to ${version.product} ${version.server_version} at ${where}${viaTunnel(config)}${config.username ? ` as ${config.username}` : ''} in ${latencyMs} ms`,
      { server_version: [version.server_version], version: [version.version], latency_ms: [String(latencyMs)], ssl: [String(version.ssl)] },
    );
  } catch (err) {
    const classified = steps.classify(err, secretsOf(config));
    return applicationMessage(classified.code, `${where}: ${classified.message}`, {
      ...classified.details,
      host: [`${config.host}:${config.port}`],
      database: [config.database],
      elapsed_ms: [String(Math.round(performance.now() - started))],
    });
  }
}
