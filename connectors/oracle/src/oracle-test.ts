import oracledb from 'oracledb';
import { runConnectionTest, type Address, type ApplicationMessage, type ServerVersion, type TestOptions } from '@sluice/connector-sdk';
import { toConnectOptions, type OracleConfig } from './oracle-config';
import { classifyOracleError } from './oracle-errors';

/** Connects, authenticates and reads the server version, within the connect timeout. */
export function testOracle(config: OracleConfig, options: TestOptions = {}): Promise<ApplicationMessage> {
  return runConnectionTest(config, options, {
    connect: connectAndReadVersion,
    classify: classifyOracleError,
    // `prefer`: a TLS handshake the listener does not answer (a plain TCP port) is retried without TLS.
    noTlsOnServer: /NJS-506/,
  });
}

async function connectAndReadVersion(config: OracleConfig, address: Address, signal?: AbortSignal, withSsl?: boolean): Promise<ServerVersion> {
  if (signal?.aborted) throw new Error('connection test cancelled');
  let aborted = false;
  const cancelled = new Promise<never>((_, reject) => {
    signal?.addEventListener('abort', () => ((aborted = true), reject(new Error('connection test cancelled'))), { once: true });
  });
  cancelled.catch(() => undefined);
  const connecting = oracledb.getConnection(toConnectOptions(config, withSsl, address));
  try {
    const connection = await Promise.race([connecting, cancelled]);
    try {
      connection.callTimeout = config.connect_timeout_ms;
      const result = await Promise.race([
        connection.execute<[string]>(`SELECT SYS_CONTEXT('USERENV', 'NETWORK_PROTOCOL') FROM DUAL`, [], { outFormat: oracledb.OUT_FORMAT_ARRAY }),
        cancelled,
      ]);
      const protocol = String(result.rows?.[0]?.[0] ?? '').toLowerCase();
      const version = connection.oracleServerVersionString;
      return {
        product: 'Oracle Database',
        server_version: /^\d+\.\d+/.exec(version)?.[0] ?? version,
        version: `Oracle Database ${version}`,
        ssl: protocol === 'tcps',
      };
    } finally {
      await connection.close().catch(() => undefined);
    }
  } finally {
    // A connect still pending when cancelled: close it when it lands.
    if (aborted) connecting.then((c) => c.close().catch(() => undefined), () => undefined);
  }
}
