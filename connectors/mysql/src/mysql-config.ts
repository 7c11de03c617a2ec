import { connect } from 'node:net';
import type { PoolOptions, SslOptions } from 'mysql2/promise';
import { ConfigError, relationalConfigSchema, sslMode, sslPems, type Address, type RelationalConfig } from '@sluice/connector-sdk';

/** Syntho's MySQL/MariaDB config: the relational one without `schema_name` (schemas are databases). */
export const mysqlConfigSchema = relationalConfigSchema({
  connectorType: 'MySQLMariaDBConnector',
  defaultPort: 3306,
  defaultProtocol: 'mysql+mysqldb',
}).omit({ schema_name: true });

export type MysqlConfig = Omit<RelationalConfig, 'schema_name'>;

/**
 * mysql2 options for a config: exact values (BIGINT and DECIMAL as strings,
 * dates as strings, JSON as text the connector parses), UTC, utf8mb4, one
 * statement per query. `withSsl` overrides the mode for `prefer`'s fallback;
 * `address` is where to connect when it is not the config's host and port
 * (an SSH tunnel's local end).
 */
export function toPoolOptions(config: MysqlConfig, withSsl?: boolean, address: Address = config): PoolOptions {
  rejectUnsupportedHooks(config);
  const ssl = withSsl === false ? undefined : sslOptions(config);
  const elsewhere = address.host !== config.host || address.port !== config.port;
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.username,
    password: config.password,
    connectTimeout: config.connect_timeout_ms,
    charset: 'utf8mb4',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    jsonStrings: true,
    multipleStatements: false,
    // Operators (and the testkit's leak check) tell Sluice's connections apart by these.
    connectAttributes: { program_name: 'sluice', _pid: String(process.pid) },
    ...(ssl ? { ssl } : {}),
    // mysql2 checks the TLS certificate against `host`: keep the config's and connect the socket elsewhere.
    ...(elsewhere ? { stream: () => connect(address.port, address.host).setNoDelay(true) } : {}),
  };
}

function sslOptions(config: MysqlConfig): SslOptions | undefined {
  const mode = sslMode(config);
  if (mode === 'disable' || mode === 'allow') return undefined;
  const pems = sslPems(config);
  const ca = pems.ca;
  if ((mode === 'verify-ca' || mode === 'verify-full') && !ca) {
    throw new ConfigError([{ field: 'hooks_params.SSL.ca', problem: `ssl_mode ${mode} needs the CA certificate (ca or ca_filename)` }]);
  }
  return {
    ca,
    cert: pems.cert,
    key: pems.key,
    // libpq semantics: require encrypts without verifying; verify-ca checks the chain; verify-full also the host name.
    rejectUnauthorized: mode === 'verify-ca' || mode === 'verify-full',
    verifyIdentity: mode === 'verify-full',
  };
}

function rejectUnsupportedHooks(config: MysqlConfig): void {
  const hooks = config.hooks_params;
  if (hooks?.Kerberos) {
    throw new ConfigError([
      {
        field: 'hooks_params.Kerberos',
        problem: 'not supported: mysql2 has no GSSAPI/Kerberos authentication plugin (authentication_kerberos / auth_gssapi); use password or SSL client-certificate authentication',
      },
    ]);
  }
}
