import { createConnection } from 'mysql2/promise';
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
import { sslMode, toPoolOptions, type MysqlConfig } from './mysql-config';
import { classifyMysqlError } from './mysql-errors';

/** Connects, authenticates and reads the server version, within the connect timeout. */
export async function testMysql(config: MysqlConfig, options: TestOptions = {}): Promise<ApplicationMessage> {
  const secrets = secretsOf(config);
  const where = `${config.host}:${config.port}/${config.database}`;
  const started = performance.now();
  try {
    const version = await throughTunnel(
      config,
      (address) =>
        connectAndReadVersion(config, address, options.signal).catch(async (err) => {
          // libpq's `prefer`: try TLS first, fall back to plain when the server has none.
          if (sslMode(config) === 'prefer' && /does not support secure connection|HANDSHAKE_NO_SSL_SUPPORT/i.test(`${err?.code} ${err?.message}`)) {
            return connectAndReadVersion(config, address, options.signal, false);
          }
          throw err;
        }),
      options.signal,
    );
    const latencyMs = Math.round(performance.now() - started);
    return applicationMessage(
      TestCode.OK,
      `Connected to ${version.product} ${version.server_version} at ${where}${viaTunnel(config)} as ${config.username} in ${latencyMs} ms`,
      {
        server_version: [version.server_version],
        version: [`${version.product} ${version.version}${version.comment ? ` (${version.comment})` : ''}`],
        latency_ms: [String(latencyMs)],
        ssl: [String(version.ssl)],
      },
    );
  } catch (err) {
    const classified = classifyMysqlError(err, secrets);
    return applicationMessage(classified.code, `${where}: ${classified.message}`, {
      ...classified.details,
      host: [`${config.host}:${config.port}`],
      database: [config.database],
      elapsed_ms: [String(Math.round(performance.now() - started))],
    });
  }
}

async function connectAndReadVersion(config: MysqlConfig, address: Address, signal?: AbortSignal, withSsl?: boolean) {
  if (signal?.aborted) throw new Error('connection test cancelled');
  const options = toPoolOptions(config, withSsl, address);
  let aborted = false;
  const cancelled = new Promise<never>((_, reject) => {
    signal?.addEventListener('abort', () => ((aborted = true), reject(new Error('connection test cancelled'))), { once: true });
  });
  cancelled.catch(() => undefined);
  const connecting = createConnection(options);
  try {
    const connection = await Promise.race([connecting, cancelled]);
    try {
      const [rows] = await Promise.race([
        connection.query('SELECT VERSION() AS version, @@version_comment AS comment'),
        cancelled,
      ]);
      // SHOW works on both (MySQL 8 has no information_schema.SESSION_STATUS).
      const [status] = await connection.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      const row = (rows as { version: string; comment: string | null }[])[0]!;
      const cipher = (status as { Value?: string }[])[0]?.Value;
      const mariadb = /mariadb/i.test(row.version);
      return {
        product: mariadb ? 'MariaDB' : 'MySQL',
        version: row.version,
        server_version: /\d+\.\d+\.\d+/.exec(row.version.replace(/^5\.5\.5-/, ''))?.[0] ?? row.version,
        comment: row.comment,
        ssl: Boolean(cipher),
      };
    } finally {
      connection.destroy();
    }
  } finally {
    // A connect still pending when cancelled: close it when it lands.
    if (aborted) connecting.then((c) => c.destroy(), () => undefined);
  }
}
