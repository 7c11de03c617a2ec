import { createConnection } from 'mysql2/promise';
import { absorbFaults, runConnectionTest, type Address, type ApplicationMessage, type ServerVersion, type TestOptions } from '@sluice/connector-sdk';
import { toPoolOptions, type MysqlConfig } from './mysql-config';
import { classifyMysqlError } from './mysql-errors';

/** Connects, authenticates and reads the server version, within the connect timeout. */
export function testMysql(config: MysqlConfig, options: TestOptions = {}): Promise<ApplicationMessage> {
  return runConnectionTest(config, options, {
    connect: connectAndReadVersion,
    classify: classifyMysqlError,
    noTlsOnServer: /does not support secure connection|HANDSHAKE_NO_SSL_SUPPORT/i,
  });
}

async function connectAndReadVersion(config: MysqlConfig, address: Address, signal?: AbortSignal, withSsl?: boolean): Promise<ServerVersion> {
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
    // A server that drops the connection mid-test fails the test (its query rejects), never the process.
    absorbFaults(connection);
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
      const product = mariadb ? 'MariaDB' : 'MySQL';
      return {
        product,
        version: `${product} ${row.version}${row.comment ? ` (${row.comment})` : ''}`,
        server_version: /\d+\.\d+\.\d+/.exec(row.version.replace(/^5\.5\.5-/, ''))?.[0] ?? row.version,
        ssl: Boolean(cipher),
      };
    } finally {
      connection.destroy();
    }
  } finally {
    // A connect still pending when cancelled: close it when it lands.
    if (aborted) connecting.then((c) => (absorbFaults(c), c.destroy()), () => undefined);
  }
}
