import { z } from 'zod';
import { parseConnectionUrl, urlScheme, ConfigError } from '@sluice/connector-sdk';
import { CatalogCode, CatalogError } from './errors';

/** Lerian's connection types (plus MARIADB and DB2), and the Syntho connector each maps to. */
export const CONNECTION_TYPES = {
  POSTGRESQL: 'PostgreSQLConnector',
  MYSQL: 'MySQLMariaDBConnector',
  MARIADB: 'MySQLMariaDBConnector',
  MONGODB: 'MongoDBConnector',
  ORACLE: 'OracleConnector',
  SQL_SERVER: 'MsSQLConnector',
  DB2: 'DB2Connector',
} as const;
export type ConnectionType = keyof typeof CONNECTION_TYPES;

const SCHEME_TYPES: Record<string, ConnectionType> = {
  postgres: 'POSTGRESQL',
  postgresql: 'POSTGRESQL',
  mysql: 'MYSQL',
  mariadb: 'MARIADB',
  mongodb: 'MONGODB',
  'mongodb+srv': 'MONGODB',
  oracle: 'ORACLE',
  mssql: 'SQL_SERVER',
  sqlserver: 'SQL_SERVER',
  db2: 'DB2',
};

export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
/** Lerian's ssl certificates and key are PEM text (not file paths). */
const pem = z.string().regex(/^\s*-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----\s*$/, 'must be PEM text (-----BEGIN …----- … -----END …-----)');
const ssl = z.strictObject({ mode: z.enum(SSL_MODES), ca: pem.optional(), cert: pem.optional(), key: pem.optional() });

/** Lerian's fields; a URL or a Syntho config may stand in for the engine fields. */
const fields = {
  configName: z.string().min(3).max(100),
  type: z.enum(Object.keys(CONNECTION_TYPES) as [ConnectionType, ...ConnectionType[]]),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  databaseName: z.string().min(1),
  userName: z.string().min(1),
  password: z.string(),
  schema: z.string().min(1),
  ssl,
  url: z.string().min(1),
  config: z.looseObject({ connector_type: z.string() }),
  metadata: z.record(z.string(), z.unknown()),
};

export const createConnectionSchema = z.strictObject({
  ...fields,
  type: fields.type.optional(),
  host: fields.host.optional(),
  port: fields.port.optional(),
  databaseName: fields.databaseName.optional(),
  userName: fields.userName.optional(),
  password: fields.password.optional(),
  schema: fields.schema.optional(),
  ssl: fields.ssl.optional(),
  url: fields.url.optional(),
  config: fields.config.optional(),
  metadata: fields.metadata.optional(),
});
export type CreateConnectionInput = z.input<typeof createConnectionSchema>;

export const updateConnectionSchema = createConnectionSchema.partial();
export type UpdateConnectionInput = z.input<typeof updateConnectionSchema>;

/** Parses input or throws the Lerian error naming the first bad field (input values are never echoed). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, entity = 'connection'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw issueError(result.error.issues[0]!, 'shape' in schema ? Object.keys((schema as unknown as z.ZodObject).shape) : undefined, entity);
}

/** A zod issue as the Lerian error that names its field (the REST API maps its validation errors here too). */
export function issueError(issue: z.core.$ZodIssue, knownFields?: string[], entity = 'known'): CatalogError {
  const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'body');
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined) {
    return new CatalogError(CatalogCode.MISSING_FIELD, `'${field}' is required. Add it and try again.`, field);
  }
  return new CatalogError(CatalogCode.INVALID_FIELD, `'${field}' ${describe(issue, knownFields, entity)}. Fix it and try again.`, field);
}

function describe(issue: z.core.$ZodIssue, knownFields: string[] | undefined, entity: string): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `is not a ${entity} field` + (knownFields ? ` (known: ${knownFields.join(', ')})` : '');
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return issue.origin === 'string' ? `must be at least ${String(issue.minimum)} characters` : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${String(issue.maximum)} characters` : `must be at most ${String(issue.maximum)}`;
    case 'invalid_type':
      return `must be ${issue.expected}`;
    case 'invalid_format':
      return issue.format === 'regex' ? issue.message : `must be a ${issue.format}`;
    default:
      return issue.message;
  }
}

/** Lerian's flat metadata: string values only, keys ≤ 100, values ≤ 2000 characters. */
export function checkMetadata(metadata: Record<string, unknown>): Record<string, string> {
  for (const [key, value] of Object.entries(metadata)) {
    if (key.length > 100) throw new CatalogError(CatalogCode.METADATA_KEY_LENGTH, `The metadata key '${key.slice(0, 20)}…' exceeds the maximum allowed length of 100 characters. Please use a shorter key.`, `metadata.${key.slice(0, 20)}`);
    if (value !== null && typeof value === 'object') throw new CatalogError(CatalogCode.METADATA_NESTING, `The metadata object cannot contain nested values ('${key}'). Please make the value a string.`, `metadata.${key}`);
    if (typeof value !== 'string') throw new CatalogError(CatalogCode.INVALID_FIELD, `The metadata value of '${key}' must be a string.`, `metadata.${key}`);
    if (value.length > 2000) throw new CatalogError(CatalogCode.METADATA_VALUE_LENGTH, `The metadata value of '${key}' exceeds the maximum allowed length of 2000 characters. Please use a shorter value.`, `metadata.${key}`);
  }
  return metadata as Record<string, string>;
}

/** The Syntho config an input describes: from `config`, from `url`, or from Lerian's fields. */
export function configOf(input: z.output<typeof createConnectionSchema>): { type: ConnectionType; config: Record<string, unknown> } {
  const sources = [input.url && 'url', input.config && 'config', input.host && 'host'].filter(Boolean);
  if (sources.length > 1) throw new CatalogError(CatalogCode.INVALID_FIELD, `Give the engine's settings one way: ${sources.join(' or ')}, not both.`, String(sources[1]));
  if (input.config) {
    const type = typeOfConnector(input.config.connector_type);
    return { type: input.type ?? type, config: input.config };
  }
  if (input.url) {
    let scheme: string;
    let parsed: Record<string, unknown>;
    try {
      scheme = urlScheme(input.url);
      parsed = parseConnectionUrl(input.url) as unknown as Record<string, unknown>;
    } catch (err) {
      const issue = err instanceof ConfigError ? err.issues[0] : undefined;
      throw new CatalogError(CatalogCode.INVALID_FIELD, `'url' ${issue?.problem ?? 'is not a connection URL'}.`, issue?.field ?? 'url');
    }
    const type = SCHEME_TYPES[scheme];
    if (!type) throw new CatalogError(CatalogCode.INVALID_FIELD, `'url' has an unknown scheme '${scheme}://'; known: ${Object.keys(SCHEME_TYPES).join(', ')}.`, 'url');
    return { type: input.type ?? type, config: { connector_type: CONNECTION_TYPES[type], ...parsed } };
  }
  for (const field of ['type', 'host', 'databaseName', 'userName', 'password'] as const) {
    if (input[field] === undefined) throw new CatalogError(CatalogCode.MISSING_FIELD, `'${field}' is required (or give 'url'). Add it and try again.`, field);
  }
  const type = input.type!;
  const config: Record<string, unknown> = {
    connector_type: CONNECTION_TYPES[type],
    host: input.host,
    database: input.databaseName,
    username: input.userName,
    password: input.password,
  };
  if (input.port !== undefined) config.port = input.port;
  if (input.schema !== undefined) config.schema_name = input.schema;
  if (input.ssl) config.hooks_params = { SSL: sslHook(input.ssl) };
  return { type, config };
}

/** Lerian's ssl object as the Syntho SSL hook (PEM contents inline). */
export function sslHook(s: z.output<typeof ssl>): Record<string, string> {
  return { ssl_mode: s.mode, ...(s.ca ? { ca: s.ca } : {}), ...(s.cert ? { cert: s.cert } : {}), ...(s.key ? { key: s.key } : {}) };
}

export function typeOfConnector(connectorType: string): ConnectionType {
  const type = (Object.keys(CONNECTION_TYPES) as ConnectionType[]).find((t) => CONNECTION_TYPES[t] === connectorType);
  if (!type) throw new CatalogError(CatalogCode.INVALID_FIELD, `'config.connector_type' must be one of ${[...new Set(Object.values(CONNECTION_TYPES))].join(', ')}.`, 'config.connector_type');
  return type;
}
