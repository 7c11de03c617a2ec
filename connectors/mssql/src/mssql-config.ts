import { connect } from 'node:net';
import { ConfigError, relationalConfigSchema, sslMode, sslPems, type Address, type RelationalConfig } from '@sluice/connector-sdk';
import type { MssqlPoolConfig } from './mssql-driver';

/** Syntho's `CreateMsSQLConnector`: port 1433, protocol `mssql+pyodbc`, schema_name (default `dbo`), include_views. */
export const mssqlConfigSchema = relationalConfigSchema({
  connectorType: 'MsSQLConnector',
  defaultPort: 1433,
  defaultProtocol: 'mssql+pyodbc',
});

export type MssqlConfig = RelationalConfig;

/** Where tables go when a job names no schema. */
export const DEFAULT_SCHEMA = 'dbo';

/** TDS packet size: tedious' default is 4 KB; 32 KB cuts round trips of bulk loads and large pages. */
export const PACKET_SIZE = 32_767;

/** What the SSL hook asks of TLS, in tedious terms. */
export interface TlsChoice {
  encrypt: boolean;
  trustServerCertificate: boolean;
  ca?: string;
  /** The mode insists on TLS: a server without it is refused after login (tedious would go on in clear). */
  required: boolean;
}

/**
 * libpq's ssl_mode names onto tedious: `disable`/`allow` → no TLS;
 * `prefer`/`require` → TLS without verifying the certificate
 * (`trustServerCertificate`); `verify-ca`/`verify-full` → TLS, chain checked
 * against the hook's CA. tedious always checks the host name as well, so
 * `verify-ca` is as strict as `verify-full`. SQL Server authenticates no TLS
 * client certificates: a cert/key in the hook is refused by name.
 */
export function tlsChoice(config: MssqlConfig, withSsl?: boolean): TlsChoice {
  const mode = withSsl === false ? 'disable' : sslMode(config);
  const ssl = config.hooks_params?.SSL;
  if (ssl?.cert || ssl?.cert_filename || ssl?.key || ssl?.key_filename) {
    throw new ConfigError([
      {
        field: ssl.cert || ssl.key ? 'hooks_params.SSL.cert' : 'hooks_params.SSL.cert_filename',
        problem: 'not supported: SQL Server does not authenticate TLS client certificates (remove cert/key; log in with username and password)',
      },
    ]);
  }
  if (mode === 'disable' || mode === 'allow') return { encrypt: false, trustServerCertificate: false, required: false };
  if (mode === 'prefer') return { encrypt: true, trustServerCertificate: true, required: false };
  if (mode === 'require') return { encrypt: true, trustServerCertificate: true, required: true };
  const ca = sslPems(config).ca;
  if (!ca) throw new ConfigError([{ field: 'hooks_params.SSL.ca', problem: `ssl_mode ${mode} needs the CA certificate (ca or ca_filename)` }]);
  return { encrypt: true, trustServerCertificate: false, ca, required: true };
}

function rejectUnsupportedHooks(config: MssqlConfig): void {
  if (config.hooks_params?.Kerberos) {
    throw new ConfigError([
      {
        field: 'hooks_params.Kerberos',
        problem:
          'not supported: tedious (the driver of mssql) has no Kerberos/GSSAPI integrated authentication; use SQL Server authentication (username and password)',
      },
    ]);
  }
  if (config.host.includes('\\')) {
    throw new ConfigError([
      { field: 'host', problem: 'named instances (host\\instance) need the SQL Browser service: give the instance\'s TCP port in port instead' },
    ]);
  }
}

/**
 * The mssql pool config of a Sluice config. `address` is where the socket
 * goes when it is not the config's host (an SSH tunnel's local end): the
 * config's host stays the TLS server name. UTC for every date type, no
 * request timeout (long loads), and `abortTransactionOnError` (XACT_ABORT:
 * any error rolls the whole batch back).
 */
export function toPoolConfig(config: MssqlConfig, options: { withSsl?: boolean; address?: Address; maxConnections?: number } = {}): MssqlPoolConfig {
  rejectUnsupportedHooks(config);
  const tls = tlsChoice(config, options.withSsl);
  const address = options.address ?? config;
  const elsewhere = address.host !== config.host || address.port !== config.port;
  const max = options.maxConnections ?? 4;
  return {
    server: config.host,
    port: config.port,
    database: config.database,
    user: config.username,
    password: config.password,
    connectionTimeout: config.connect_timeout_ms,
    requestTimeout: 0,
    pool: { max, min: 0, idleTimeoutMillis: 30_000 },
    options: {
      encrypt: tls.encrypt,
      trustServerCertificate: tls.trustServerCertificate,
      ...(tls.ca ? { cryptoCredentialsDetails: { ca: tls.ca } } : {}),
      appName: 'sluice',
      useUTC: true,
      packetSize: PACKET_SIZE,
      enableArithAbort: true,
      abortTransactionOnError: true,
      ...(elsewhere
        ? {
            connector: () =>
              new Promise((resolve, reject) => {
                const socket = connect(address.port, address.host);
                socket.once('connect', () => (socket.off('error', reject), resolve(socket.setNoDelay(true))));
                socket.once('error', reject);
              }),
          }
        : {}),
    },
  };
}
