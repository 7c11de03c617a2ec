import { z } from 'zod';
import { ConfigError } from './errors';

/**
 * Config schemas with the fields and defaults of the Syntho
 * `Create*Connector` schemas. Syntho marks optional fields `anyOf [T, null]`
 * with a default, so `null` and a missing field both mean "use the default".
 */
const orDefault = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === null ? undefined : v), schema) as unknown as z.ZodPipe<z.ZodTransform<unknown, unknown>, T>;

const optionalString = orDefault(z.string().optional());

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

export const sslHookSchema = z
  .object({
    ssl_mode: orDefault(z.enum(SSL_MODES).optional()),
    /** PEM text of the CA certificate, client certificate and client key. */
    ca: optionalString,
    cert: optionalString,
    key: optionalString,
    ca_filename: optionalString,
    cert_filename: optionalString,
    key_filename: optionalString,
  })
  .strict();

export const sshTunnelHookSchema = z
  .object({
    host: optionalString,
    port: orDefault(z.number().int().min(1).max(65535).optional()),
    username: optionalString,
    password: optionalString,
    pkey: optionalString,
    pkey_password: optionalString,
    local_host: optionalString,
    local_port: orDefault(z.number().int().min(0).max(65535).optional()),
  })
  .strict();

export const kerberosHookSchema = z
  .object({ principal: optionalString, keytab_file: optionalString })
  .strict();

export const hooksParamsSchema = z
  .object({
    SSL: orDefault(sslHookSchema.optional()),
    SSHTunnel: orDefault(sshTunnelHookSchema.optional()),
    Kerberos: orDefault(kerberosHookSchema.optional()),
  })
  .strict();

export interface RelationalConfigOptions<T extends string> {
  /** Syntho's discriminator, e.g. `PostgreSQLConnector`. */
  connectorType: T;
  defaultPort: number;
  /** Syntho's `protocol` default (the SQLAlchemy dialect name it records). */
  defaultProtocol: string;
}

/**
 * The config schema shared by the relational engines. MySQL/MariaDB, whose
 * Syntho schema has no `schema_name`, take `.omit({ schema_name: true })`.
 */
export function relationalConfigSchema<T extends string>(o: RelationalConfigOptions<T>) {
  return z
    .object({
      connector_type: z.literal(o.connectorType),
      // DNS names end at 253 characters; database and user names are identifiers (PostgreSQL 63 bytes, MySQL 64).
      host: z.string().min(1).max(253),
      port: orDefault(z.number().int().min(1).max(65535).default(o.defaultPort)),
      database: z.string().min(1).max(128),
      username: z.string().min(1).max(128),
      password: z.string(),
      schema_name: optionalString,
      protocol: orDefault(z.string().default(o.defaultProtocol)),
      include_views: orDefault(z.boolean().default(false)),
      is_source: orDefault(z.boolean().optional()),
      hooks_params: orDefault(hooksParamsSchema.optional()),
      /** Sluice's own: how long a connection attempt may take. */
      connect_timeout_ms: orDefault(z.number().int().min(100).max(600_000).default(10_000)),
    })
    .strict();
}

export type RelationalConfig = z.output<ReturnType<typeof relationalConfigSchema<string>>>;

/** Parses `input` with `schema`, or throws a ConfigError naming each bad field. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.join('.') : '(config)',
      problem: describeIssue(issue),
    })),
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // zod's messages may quote the received value; never echo input (it may be a secret).
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.join(', ')}: remove them`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

/** Every secret a config may hold, for redaction. */
export function secretsOf(config: unknown): string[] {
  const c = (config ?? {}) as Record<string, any>;
  const hooks = c.hooks_params ?? {};
  return [
    c.password,
    hooks.SSL?.key,
    hooks.SSHTunnel?.password,
    hooks.SSHTunnel?.pkey,
    hooks.SSHTunnel?.pkey_password,
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
}
