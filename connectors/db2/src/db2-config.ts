import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, relationalConfigSchema, sslMode, type Address, type RelationalConfig } from '@sluice/connector-sdk';

/** Syntho's CreateDB2Connector: the relational fields, port 50000, protocol "db2". */
export const db2ConfigSchema = relationalConfigSchema({
  connectorType: 'DB2Connector',
  defaultPort: 50000,
  defaultProtocol: 'db2',
});

export type Db2Config = RelationalConfig;

/**
 * One CLI connection-string value. A value with `;`, braces, `=` or
 * surrounding blanks is wrapped in braces (`PWD={a;b}`), a `}` inside
 * doubled (the ODBC rule), so no value can add or change a keyword.
 */
export function connValue(value: string): string {
  if (!/[;{}=]|^\s|\s$/.test(value)) return value;
  return `{${value.replace(/}/g, '}}')}}`;
}

/** What SSL adds to the connection string; `files` are temporary and removed by `dispose`. */
export interface SslSettings {
  keywords: [string, string][];
  dispose(): void;
}

/**
 * SSL hook → `Security=SSL;SSLServerCertificate=<file>`. The CLI driver takes
 * the CA as a file: PEM text is written to a private temporary file.
 * verify-full adds `SSLClientHostnameValidation=Basic` (Db2 11.5.6+ clients).
 * Client certificates live in a GSKit keystore with the CLI driver, not PEM
 * files: refused by name.
 */
export function sslSettings(config: Db2Config, withSsl?: boolean): SslSettings | null {
  const mode = sslMode(config);
  if (withSsl === false || mode === 'disable' || mode === 'allow') return null;
  const ssl = config.hooks_params?.SSL ?? {};
  const issues: { field: string; problem: string }[] = [];
  for (const field of ['cert', 'key', 'cert_filename', 'key_filename'] as const) {
    if (ssl[field]) {
      issues.push({
        field: `hooks_params.SSL.${field}`,
        problem: 'not supported: the Db2 CLI driver takes client certificates from a GSKit keystore (SSLClientKeystoredb), not PEM; remove it and authenticate with username/password over SSL',
      });
    }
  }
  if ((mode === 'verify-ca' || mode === 'verify-full') && !ssl.ca && !ssl.ca_filename) {
    issues.push({ field: 'hooks_params.SSL.ca', problem: `ssl_mode ${mode} needs the CA certificate (ca or ca_filename)` });
  }
  if (issues.length) throw new ConfigError(issues);
  const keywords: [string, string][] = [['Security', 'SSL']];
  let dir: string | undefined;
  if (ssl.ca_filename) keywords.push(['SSLServerCertificate', ssl.ca_filename]);
  else if (ssl.ca) {
    dir = mkdtempSync(join(tmpdir(), 'sluice-db2-'));
    const file = join(dir, 'ca.arm');
    writeFileSync(file, ssl.ca, { mode: 0o600 });
    keywords.push(['SSLServerCertificate', file]);
  }
  if (mode === 'verify-full') keywords.push(['SSLClientHostnameValidation', 'Basic']);
  return { keywords, dispose: () => dir && rmSync(dir, { recursive: true, force: true }) };
}

/** Kerberos is refused by name: ibm_db's CLI driver would need a Kerberos-configured Db2 client. */
export function rejectUnsupportedHooks(config: Db2Config): void {
  if (config.hooks_params?.Kerberos) {
    throw new ConfigError([
      {
        field: 'hooks_params.Kerberos',
        problem: 'not supported by the DB2 connector (the CLI driver needs AUTHENTICATION=KERBEROS with a system Kerberos set-up); use username/password, over SSL if needed',
      },
    ]);
  }
}

/**
 * The CLI connection string: `DATABASE=…;HOSTNAME=…;PORT=…;PROTOCOL=TCPIP;UID=…;PWD=…;`
 * plus the connect timeout (whole seconds) and SSL keywords. It holds the
 * password: never log it or put it in an error.
 */
export function connectionString(config: Db2Config, address: Address = config, ssl: SslSettings | null = null): string {
  rejectUnsupportedHooks(config);
  const pairs: [string, string][] = [
    ['DATABASE', config.database],
    ['HOSTNAME', address.host],
    ['PORT', String(address.port)],
    ['PROTOCOL', 'TCPIP'],
    ['UID', config.username],
    ['PWD', config.password],
    ['ConnectTimeout', String(Math.max(1, Math.ceil(config.connect_timeout_ms / 1000)))],
    ...(ssl?.keywords ?? []),
  ];
  return pairs.map(([k, v]) => `${k}=${connValue(v)};`).join('');
}
