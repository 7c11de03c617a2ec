import { MongoClient } from 'mongodb';
import { runConnectionTest, type Address, type ApplicationMessage, type RelationalConfig, type ServerVersion, type TestOptions } from '@sluice/connector-sdk';
import { toClientOptions, type MongoConfig } from './mongodb-config';
import { classifyMongoError } from './mongodb-errors';

/** Connects (server selection within connect_timeout_ms), authenticates and reads the server version. */
export function testMongo(config: MongoConfig, options: TestOptions = {}): Promise<ApplicationMessage> {
  return runConnectionTest(config as RelationalConfig & MongoConfig, options, {
    connect: (c, address, signal) => connectAndReadVersion(c, address, signal),
    classify: classifyMongoError,
    // MongoDB has no in-band TLS negotiation: `prefer` means no TLS (see toClientOptions).
    noTlsOnServer: /(?!)/,
  });
}

async function connectAndReadVersion(config: MongoConfig, address: Address, signal?: AbortSignal): Promise<ServerVersion> {
  if (signal?.aborted) throw new Error('connection test cancelled');
  const { url, options } = toClientOptions(config, address, 1);
  const client = new MongoClient(url, options);
  const abort = () => void client.close(true).catch(() => undefined);
  signal?.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
    const info = (await client.db('admin').command({ buildInfo: 1 })) as { version: string; ferretdbVersion?: string };
    // Proves the credentials where buildInfo answers unauthenticated.
    await client.db(config.database).command({ ping: 1 });
    if (signal?.aborted) throw new Error('connection test cancelled');
    const ferret = info.ferretdbVersion;
    return {
      product: ferret ? 'FerretDB' : 'MongoDB',
      server_version: ferret ? ferret.replace(/^v/, '') : info.version,
      version: ferret ? `FerretDB ${ferret} (MongoDB ${info.version} compatible)` : `MongoDB ${info.version}`,
      ssl: Boolean(options.tls),
    };
  } finally {
    signal?.removeEventListener('abort', abort);
    await client.close(true).catch(() => undefined);
  }
}
