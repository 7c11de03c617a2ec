import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { ClientConfig } from 'pg';
import { ConfigError, relationalConfigSchema, sslMode, sslPems, type Address, type RelationalConfig } from '@sluice/connector-sdk';

export const postgresConfigSchema = relationalConfigSchema({
  connectorType: 'PostgreSQLConnector',
  defaultPort: 5432,
  defaultProtocol: 'postgresql+psycopg2',
});

export type PostgresConfig = RelationalConfig;

/**
 * The pg client options for a config; `withSsl` overrides the mode for
 * `prefer`'s fallback; `address` is where to connect when it is not the
 * config's host and port (an SSH tunnel's local end).
 */
export function toClientConfig(config: PostgresConfig, withSsl?: boolean, address: Address = config): ClientConfig {
  rejectUnsupportedHooks(config);
  return {
    host: address.host,
    port: address.port,
    database: config.database,
    user: config.username,
    password: config.password,
    connectionTimeoutMillis: config.connect_timeout_ms,
    query_timeout: config.connect_timeout_ms,
    // Which worker process holds a connection shows in pg_stat_activity (and scopes leak checks).
    application_name: `sluice:${process.pid}`,
    ssl: withSsl === false ? false : sslOptions(config),
  };
}

function sslOptions(config: PostgresConfig): false | ConnectionOptions {
  const mode = sslMode(config);
  if (mode === 'disable' || mode === 'allow') return false;
  const pems = sslPems(config);
  const options: ConnectionOptions = {
    ca: pems.ca,
    cert: pems.cert,
    key: pems.key,
    // libpq semantics: require encrypts without verifying; verify-ca checks the chain; verify-full also the host name.
    rejectUnauthorized: mode === 'verify-ca' || mode === 'verify-full',
  };
  if (mode === 'verify-ca') options.checkServerIdentity = () => undefined;
  // Through a tunnel pg connects to 127.0.0.1: the certificate is still checked against the config's host.
  options.host = config.host;
  if (isIP(config.host) === 0) options.servername = config.host;
  return options;
}

function rejectUnsupportedHooks(config: PostgresConfig): void {
  const hooks = config.hooks_params;
  if (hooks?.Kerberos) {
    throw new ConfigError([
      { field: 'hooks_params.Kerberos', problem: 'not supported: the pg driver has no GSSAPI/Kerberos authentication; use password or SSL client-certificate authentication' },
    ]);
  }
}
