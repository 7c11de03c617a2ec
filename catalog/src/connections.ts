import { randomUUID } from 'node:crypto';
import type { CodecKeys } from '@sluice/codec';
import { ConfigError } from '@sluice/connector-sdk';
import type { Queryable } from './db';
import { CatalogCode, CatalogError, notFound } from './errors';
import {
  CONNECTION_TYPES,
  checkMetadata,
  configOf,
  createConnectionSchema,
  parseInput,
  sslHook,
  updateConnectionSchema,
  type ConnectionType,
  type CreateConnectionInput,
  type UpdateConnectionInput,
} from './connection-input';
import { joinSecrets, openSecrets, sealSecrets, splitSecrets } from './secrets';

/** A connection as the catalog answers it (Lerian's ConnectionResponse): never a secret. */
export interface Connection {
  id: string;
  configName: string;
  type: ConnectionType;
  connectorType: string;
  host: string | null;
  port: number | null;
  databaseName: string | null;
  userName: string | null;
  schema: string | null;
  ssl: { mode: string } | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  config_name: string;
  type: ConnectionType;
  config: Record<string, any>;
  secrets: Uint8Array | null;
  secrets_key_id: string | null;
  metadata: Record<string, string>;
  created_at: Date | string;
  updated_at: Date | string;
}

/** Checks an engine config (the worker's registry: its zod schema); throws with the bad field named. */
export type ConfigValidator = (config: Record<string, unknown>) => void;

/** The engine's verdict as a Lerian error naming the first bad field. */
function checkConfig(config: Record<string, unknown>, validate?: ConfigValidator): void {
  try {
    validate?.(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const issue = err.issues[0]!;
    throw new CatalogError(CatalogCode.INVALID_FIELD, `'${issue.field}' ${issue.problem}. Fix it and try again.`, issue.field);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

export function toConnection(row: Row): Connection {
  const c = row.config;
  return {
    id: row.id,
    configName: row.config_name,
    type: row.type,
    connectorType: c.connector_type,
    host: c.host ?? null,
    port: c.port ?? null,
    databaseName: c.database ?? null,
    userName: c.username ?? null,
    schema: c.schema_name ?? null,
    ssl: c.hooks_params?.SSL?.ssl_mode ? { mode: c.hooks_params.SSL.ssl_mode } : null,
    metadata: row.metadata ?? {},
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** A connection by id or by configName. */
export async function findConnectionRow(db: Queryable, idOrName: string): Promise<Row> {
  const rows = isUuid(idOrName)
    ? await db.query<Row>('SELECT * FROM connections WHERE id = $1', [idOrName])
    : await db.query<Row>('SELECT * FROM connections WHERE config_name = $1', [idOrName]);
  if (!rows[0]) throw notFound('connection', idOrName);
  return rows[0];
}

export async function createConnection(db: Queryable, keys: CodecKeys, input: CreateConnectionInput, validate?: ConfigValidator): Promise<Connection> {
  const parsed = parseInput(createConnectionSchema, input);
  if (parsed.configName === undefined) throw new CatalogError(CatalogCode.MISSING_FIELD, `'configName' is required (3–100 characters). Add it and try again.`, 'configName');
  const metadata = checkMetadata(parsed.metadata ?? {});
  const { type, config } = configOf(parsed);
  checkConfig(config, validate);
  await ensureNameFree(db, parsed.configName);
  const { clear, secrets } = splitSecrets(config);
  const sealed = Object.keys(secrets).length ? sealSecrets(secrets, keys) : null;
  const rows = await db.query<Row>(
    `INSERT INTO connections (id, config_name, type, config, secrets, secrets_key_id, metadata)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [randomUUID(), parsed.configName, type, JSON.stringify(clear), sealed?.sealed ?? null, sealed?.keyId ?? null, JSON.stringify(metadata)],
  );
  return toConnection(rows[0]!);
}

/** Partial update (Lerian PATCH): given fields replace, the rest (password included) stay. */
export async function updateConnection(db: Queryable, keys: CodecKeys, idOrName: string, patch: UpdateConnectionInput, validate?: ConfigValidator): Promise<Connection> {
  const parsed = parseInput(updateConnectionSchema, patch);
  const row = await findConnectionRow(db, idOrName);
  const current = joinSecrets(row.config, row.secrets ? openSecrets(row.secrets, row.secrets_key_id!, keys) : {});
  let type = row.type;
  let config: Record<string, any>;
  if (parsed.url || parsed.config) {
    ({ type, config } = configOf({ ...parsed, configName: parsed.configName ?? row.config_name }));
    // A URL without a password keeps the stored one.
    if (!config.password && current.password) config.password = current.password;
  } else {
    config = structuredClone(current);
    if (parsed.type) {
      type = parsed.type;
      config.connector_type = CONNECTION_TYPES[parsed.type];
    }
    if (parsed.host !== undefined) config.host = parsed.host;
    if (parsed.port !== undefined) config.port = parsed.port;
    if (parsed.databaseName !== undefined) config.database = parsed.databaseName;
    if (parsed.userName !== undefined) config.username = parsed.userName;
    if (parsed.password !== undefined) config.password = parsed.password;
    if (parsed.schema !== undefined) config.schema_name = parsed.schema;
    if (parsed.ssl) config.hooks_params = { ...(config.hooks_params ?? {}), SSL: sslHook(parsed.ssl) };
  }
  checkConfig(config, validate);
  if (parsed.configName && parsed.configName !== row.config_name) await ensureNameFree(db, parsed.configName);
  const metadata = parsed.metadata ? checkMetadata(parsed.metadata) : row.metadata;
  const { clear, secrets } = splitSecrets(config);
  const sealed = Object.keys(secrets).length ? sealSecrets(secrets, keys) : null;
  const rows = await db.query<Row>(
    `UPDATE connections SET config_name = $2, type = $3, config = $4, secrets = $5, secrets_key_id = $6, metadata = $7, updated_at = now()
     WHERE id = $1 RETURNING *`,
    [row.id, parsed.configName ?? row.config_name, type, JSON.stringify(clear), sealed?.sealed ?? null, sealed?.keyId ?? null, JSON.stringify(metadata)],
  );
  return toConnection(rows[0]!);
}

/** The engine config with its secrets opened: for activities only, never returned to a client. */
export async function connectionConfig(db: Queryable, keys: CodecKeys, idOrName: string): Promise<{ connection: Connection; config: Record<string, unknown> }> {
  const row = await findConnectionRow(db, idOrName);
  return { connection: toConnection(row), config: joinSecrets(row.config, row.secrets ? openSecrets(row.secrets, row.secrets_key_id!, keys) : {}) };
}

async function ensureNameFree(db: Queryable, configName: string): Promise<void> {
  const taken = await db.query('SELECT 1 FROM connections WHERE config_name = $1', [configName]);
  if (taken.length) {
    throw new CatalogError(CatalogCode.CONFLICT, `A connection named '${configName}' already exists. Choose another configName.`, 'configName');
  }
}
