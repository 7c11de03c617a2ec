import { Client } from 'pg';
import {
  applicationMessage,
  secretsOf,
  TestCode,
  throughTunnel,
  viaTunnel,
  type Address,
  type ApplicationMessage,
  type TestOptions,
} from '@sluice/connector-sdk';
import { sslMode, toClientConfig, type PostgresConfig } from './postgres-config';
import { classifyPostgresError } from './postgres-errors';

/** Connects, authenticates and reads the server version, within the connect timeout. */
export async function testPostgres(config: PostgresConfig, options: TestOptions = {}): Promise<ApplicationMessage> {
  const secrets = secretsOf(config);
  const where = `${config.host}:${config.port}/${config.database}`;
  const started = performance.now();
  try {
    const version = await throughTunnel(
      config,
      (address) =>
        connectAndReadVersion(config, address, options.signal).catch(async (err) => {
          // libpq's `prefer`: try TLS first, fall back to plain when the server has none.
          if (sslMode(config) === 'prefer' && /does not support SSL/i.test(String(err?.message))) {
            return connectAndReadVersion(config, address, options.signal, false);
          }
          throw err;
        }),
      options.signal,
    );
    const latencyMs = Math.round(performance.now() - started);
    return applicationMessage(
      TestCode.OK,
      `Connected to PostgreSQL ${version.server_version} at ${where}${viaTunnel(config)} as ${config.username} in ${latencyMs} ms`,
      {
        server_version: [version.server_version],
        version: [version.version],
        latency_ms: [String(latencyMs)],
        ssl: [String(version.ssl)],
      },
    );
  } catch (err) {
    const classified = classifyPostgresError(err, secrets);
    return applicationMessage(classified.code, `${where}: ${classified.message}`, {
      ...classified.details,
      host: [`${config.host}:${config.port}`],
      database: [config.database],
      elapsed_ms: [String(Math.round(performance.now() - started))],
    });
  }
}

async function connectAndReadVersion(config: PostgresConfig, address: Address, signal?: AbortSignal, withSsl?: boolean) {
  if (signal?.aborted) throw new Error('connection test cancelled');
  const client = new Client(toClientConfig(config, withSsl, address));
  // pg has no AbortSignal support: ending the client aborts a pending connect or query.
  const abort = () => void client.end().catch(() => undefined);
  signal?.addEventListener('abort', abort, { once: true });
  client.on('error', () => undefined); // a late socket error after end() must not crash the worker
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string; server_version: string; ssl: boolean }>(
      `SELECT version() AS version, current_setting('server_version') AS server_version,
              COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS ssl`,
    );
    return rows[0]!;
  } finally {
    signal?.removeEventListener('abort', abort);
    await client.end().catch(() => undefined);
  }
}
