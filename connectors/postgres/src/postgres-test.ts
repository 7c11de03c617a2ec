import { Client } from 'pg';
import { absorbFaults, runConnectionTest, type Address, type ApplicationMessage, type ServerVersion, type TestOptions } from '@sluice/connector-sdk';
import { toClientConfig, type PostgresConfig } from './postgres-config';
import { classifyPostgresError } from './postgres-errors';

/** Connects, authenticates and reads the server version, within the connect timeout. */
export function testPostgres(config: PostgresConfig, options: TestOptions = {}): Promise<ApplicationMessage> {
  return runConnectionTest(config, options, { connect: connectAndReadVersion, classify: classifyPostgresError, noTlsOnServer: /does not support SSL/i });
}

async function connectAndReadVersion(config: PostgresConfig, address: Address, signal?: AbortSignal, withSsl?: boolean): Promise<ServerVersion> {
  if (signal?.aborted) throw new Error('connection test cancelled');
  const client = new Client(toClientConfig(config, withSsl, address));
  // pg has no AbortSignal support: ending the client aborts a pending connect or query.
  const abort = () => void client.end().catch(() => undefined);
  signal?.addEventListener('abort', abort, { once: true });
  absorbFaults(client); // a late socket error after end() must not crash the worker
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string; server_version: string; ssl: boolean }>(
      `SELECT version() AS version, current_setting('server_version') AS server_version,
              COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS ssl`,
    );
    return { product: 'PostgreSQL', ...rows[0]! };
  } finally {
    signal?.removeEventListener('abort', abort);
    await client.end().catch(() => undefined);
  }
}
