import { runConnectionTest, type Address, type ApplicationMessage, type ServerVersion, type TestOptions } from '@sluice/connector-sdk';
import type { MssqlConfig } from './mssql-config';
import { mssqlDriver } from './mssql-driver';
import { classifyMssqlError } from './mssql-errors';
import { PROBE_SQL, connectPool } from './mssql-session';

/** Connects, authenticates and reads the server version, within the connect timeout. */
export function testMssql(config: MssqlConfig, options: TestOptions = {}): Promise<ApplicationMessage> {
  return runConnectionTest(config, options, {
    connect: connectAndReadVersion,
    classify: classifyMssqlError,
    // tedious goes on without TLS by itself when the server has none (prefer needs no second attempt).
    noTlsOnServer: /(?!)/,
  });
}

/** `Microsoft SQL Server 2022 (RTM-CU14) (KB…) - 16.0.4135.4 (X64) …` → product and short version. */
export function parseVersion(version: string, productVersion: string): { product: string; server_version: string; version: string } {
  const first = version.split('\n')[0]!.trim();
  const product = /Azure SQL/i.test(version) ? 'Azure SQL' : (/^(Microsoft SQL Server(?: \d{4})?)/.exec(first)?.[1] ?? 'Microsoft SQL Server');
  return { product, server_version: /^\d+\.\d+(\.\d+)?/.exec(productVersion)?.[0] ?? productVersion, version: first };
}

async function connectAndReadVersion(config: MssqlConfig, address: Address, signal?: AbortSignal, withSsl?: boolean): Promise<ServerVersion> {
  if (signal?.aborted) throw new Error('connection test cancelled');
  let aborted = false;
  const cancelled = new Promise<never>((_, reject) => {
    signal?.addEventListener('abort', () => ((aborted = true), reject(new Error('connection test cancelled'))), { once: true });
  });
  cancelled.catch(() => undefined);
  const connecting = connectPool(config, { withSsl, address, maxConnections: 1 });
  try {
    const pool = await Promise.race([connecting, cancelled]);
    try {
      const result = await Promise.race([new (mssqlDriver().Request)(pool).query(PROBE_SQL), cancelled]);
      const row = result.recordset[0] as { version: string; product_version: string; encrypt_option: string | null };
      return { ...parseVersion(row.version, row.product_version), ssl: String(row.encrypt_option).toUpperCase() === 'TRUE' };
    } finally {
      await pool.close().catch(() => undefined);
    }
  } finally {
    // A connect still pending when cancelled: close it when it lands.
    if (aborted) connecting.then((p) => p.close(), () => undefined);
  }
}
