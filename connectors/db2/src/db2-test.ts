import {
  runConnectionTest,
  TestCode,
  type Address,
  type ApplicationMessage,
  type ConnectorError,
  type ServerVersion,
  type TestOptions,
} from '@sluice/connector-sdk';
import { sslSettings, type Db2Config } from './db2-config';
import { loadIbmDb } from './db2-driver';
import { classifyDb2Error } from './db2-errors';
import { openConnection, parseDbmsVersion } from './db2-session';

/**
 * Connects, authenticates and reads the server version. Without ibm_db's
 * native binding it answers DRIVER_NOT_INSTALLED with the fix, and never throws.
 */
export async function testDb2(config: Db2Config, options: TestOptions = {}): Promise<ApplicationMessage> {
  let ibmdb;
  try {
    ibmdb = loadIbmDb();
  } catch (err) {
    const e = err as ConnectorError;
    return { code: TestCode.DRIVER_NOT_INSTALLED, title: 'DB2 driver not installed', body: e.message, kind: 'error', details: e.details };
  }
  const driver = ibmdb;
  return runConnectionTest(config, options, {
    connect: (c, address, signal, withSsl) => connectAndReadVersion(driver, c, address, signal, withSsl),
    classify: classifyDb2Error,
    // GSKit fails the handshake against a port without TLS; `prefer` then retries in the clear.
    noTlsOnServer: /GSKit|sqlccSSLSocketSetup/i,
  });
}

async function connectAndReadVersion(
  ibmdb: ReturnType<typeof loadIbmDb>, config: Db2Config, address: Address, signal?: AbortSignal, withSsl?: boolean,
): Promise<ServerVersion> {
  if (signal?.aborted) throw new Error('connection test cancelled');
  const ssl = sslSettings(config, withSsl);
  try {
    const connecting = openConnection(ibmdb, config, address, ssl);
    const cancelled = new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(new Error('connection test cancelled')), { once: true }));
    cancelled.catch(() => undefined);
    // A connect still pending when cancelled is closed when it lands.
    connecting.then((db) => signal?.aborted && db.close().catch(() => undefined), () => undefined);
    const db = await Promise.race([connecting, cancelled]);
    try {
      const raw = String((await db.getInfo(ibmdb.SQL_DBMS_VER)) ?? '');
      const name = String((await db.getInfo(ibmdb.SQL_DBMS_NAME)) ?? 'DB2');
      const version = parseDbmsVersion(raw);
      return { product: 'Db2', server_version: version, version: `${name} ${version}`, ssl: ssl !== null };
    } finally {
      await db.close().catch(() => undefined);
    }
  } finally {
    ssl?.dispose();
  }
}
