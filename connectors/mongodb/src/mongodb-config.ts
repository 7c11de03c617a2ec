import { z } from 'zod';
import type { MongoClientOptions } from 'mongodb';
import { ConfigError, relationalConfigSchema, sslMode, sslPems, type Address, type RelationalConfig } from '@sluice/connector-sdk';

/** Syntho-style `null` = "use the default". */
const orDefault = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null || v === '' ? undefined : v), schema);

/** MongoDB's default database when the URL names none (as the mongo shell does). */
export const DEFAULT_DATABASE = 'test';

/**
 * The relational config shape with MongoDB's differences: no-auth servers
 * (username and password may be empty), the database defaults to `test` when
 * the URL has no path, no `schema_name` (schemas are databases), and the
 * MongoDB-only `auth_source`, `replica_set` and `sample_size` (documents
 * sampled per collection by introspection). The SDK's URL parser refuses
 * query parameters it does not know (authSource, replicaSet, tls, …): give
 * them as config fields (TLS through `hooks_params.SSL`).
 */
export const mongodbConfigSchema = relationalConfigSchema({
  connectorType: 'MongoDBConnector',
  defaultPort: 27017,
  defaultProtocol: 'mongodb',
})
  .omit({ schema_name: true })
  .extend({
    database: orDefault(z.string().min(1).default(DEFAULT_DATABASE)),
    username: orDefault(z.string().default('')),
    password: orDefault(z.string().default('')),
    auth_source: orDefault(z.string().min(1).optional()),
    replica_set: orDefault(z.string().min(1).optional()),
    /** Documents read per collection to infer columns (first N in `_id` order). */
    sample_size: orDefault(z.number().int().min(1).max(100_000).default(1000)),
  });

export type MongoConfig = Omit<RelationalConfig, 'schema_name'> & {
  auth_source?: string | undefined;
  replica_set?: string | undefined;
  sample_size: number;
};

/** `mongodb+srv` when the protocol says so (SRV: no port, TLS by default). */
export function isSrv(config: MongoConfig): boolean {
  return config.protocol === 'mongodb+srv';
}

/**
 * The connection string and driver options for a config, connecting to
 * `address` (the config's host, or an SSH tunnel's local end). Credentials
 * go in options, never in the string (no escaping, no secret in URLs).
 * `serverSelectionTimeoutMS` = `connect_timeout_ms`: an unreachable server
 * fails within it.
 */
export function toClientOptions(config: MongoConfig, address: Address = config, maxPoolSize = 4): { url: string; options: MongoClientOptions } {
  rejectUnsupportedHooks(config);
  const srv = isSrv(config);
  if (srv && config.hooks_params?.SSHTunnel) {
    throw new ConfigError([{ field: 'protocol', problem: 'mongodb+srv cannot go through an SSH tunnel (SRV lookup names other hosts); use mongodb with the host' }]);
  }
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const url = srv ? `mongodb+srv://${host}/` : `mongodb://${host}:${address.port}/`;
  const options: MongoClientOptions = {
    serverSelectionTimeoutMS: config.connect_timeout_ms,
    connectTimeoutMS: config.connect_timeout_ms,
    maxPoolSize,
    minPoolSize: 0,
    appName: 'sluice',
    // Longs stay Long (exact int64); the connector decodes values itself.
    promoteLongs: false,
    ignoreUndefined: true,
    retryWrites: false,
    ...(config.username ? { auth: { username: config.username, password: config.password } } : {}),
    ...(config.auth_source ? { authSource: config.auth_source } : {}),
    ...(config.replica_set ? { replicaSet: config.replica_set } : srv ? {} : { directConnection: true }),
    ...tlsOptions(config),
  };
  return { url, options };
}

/** ssl_mode: disable/allow/prefer → no TLS (MongoDB has no in-band fallback); require → TLS unverified; verify-ca / verify-full → verified. */
function tlsOptions(config: MongoConfig): MongoClientOptions {
  const mode = sslMode(config as RelationalConfig);
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return {};
  const pems = sslPems(config as RelationalConfig);
  if ((mode === 'verify-ca' || mode === 'verify-full') && !pems.ca) {
    throw new ConfigError([{ field: 'hooks_params.SSL.ca', problem: `ssl_mode ${mode} needs the CA certificate (ca or ca_filename)` }]);
  }
  return {
    tls: true,
    ...(pems.ca ? { ca: pems.ca } : {}),
    ...(pems.cert ? { cert: pems.cert } : {}),
    ...(pems.key ? { key: pems.key } : {}),
    tlsAllowInvalidCertificates: mode === 'require',
    tlsAllowInvalidHostnames: mode !== 'verify-full',
  };
}

function rejectUnsupportedHooks(config: MongoConfig): void {
  if (config.hooks_params?.Kerberos) {
    throw new ConfigError([{ field: 'hooks_params.Kerberos', problem: 'not supported by the MongoDB connector (GSSAPI needs the native kerberos module); use SCRAM or X.509' }]);
  }
}
