import { ConfigError } from './errors';

/**
 * Maps a connection URL (`postgresql://user:pw@host:5432/db?sslmode=require`)
 * onto the Syntho-shaped config fields. Engine-independent; the registry picks
 * the connector by scheme and the connector's schema validates the result.
 */
const QUERY_FIELDS: Record<string, (config: UrlConfig, value: string) => void> = {
  sslmode: (c, v) => (ssl(c).ssl_mode = v),
  ssl_mode: (c, v) => (ssl(c).ssl_mode = v),
  sslrootcert: (c, v) => (ssl(c).ca_filename = v),
  sslcert: (c, v) => (ssl(c).cert_filename = v),
  sslkey: (c, v) => (ssl(c).key_filename = v),
  schema: (c, v) => (c.schema_name = v),
  schema_name: (c, v) => (c.schema_name = v),
  include_views: (c, v) => (c.include_views = v === 'true' || v === '1'),
  connect_timeout: (c, v) => (c.connect_timeout_ms = Math.round(Number(v) * 1000)),
  // MongoDB's (engines without these fields refuse them by name).
  authSource: (c, v) => (c.auth_source = v),
  replicaSet: (c, v) => (c.replica_set = v),
  sample_size: (c, v) => (c.sample_size = /^\d+$/.test(v) ? Number(v) : NaN),
  // Oracle's: `?sid=XE` (connect by SID, not service name) or `?sid=true` (the path names a SID).
  sid: (c, v) => (c.sid = v),
  tls: (c, v) => {
    if (v === 'true') ssl(c).ssl_mode = 'require';
  },
};

export interface UrlConfig {
  host: string;
  port?: number;
  database: string;
  username: string;
  password: string;
  schema_name?: string;
  include_views?: boolean;
  connect_timeout_ms?: number;
  auth_source?: string;
  replica_set?: string;
  sample_size?: number;
  /** Oracle: a SID, or "true" when the path's database is a SID. */
  sid?: string;
  /** `mongodb+srv` URLs keep their scheme as the Syntho `protocol` (SRV lookup). */
  protocol?: string;
  hooks_params?: { SSL?: Record<string, string> };
}

function ssl(c: UrlConfig): Record<string, string> {
  c.hooks_params ??= {};
  return (c.hooks_params.SSL ??= {});
}

export function urlScheme(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url.trim());
  if (!m) throw new ConfigError([{ field: 'url', problem: 'expected <engine>://user:password@host:port/database' }]);
  return m[1]!.toLowerCase();
}

export function parseConnectionUrl(url: string): UrlConfig {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    // Node's error carries the input, password included: never rethrow it.
    throw new ConfigError([{ field: 'url', problem: 'not a valid URL; expected <engine>://user:password@host:port/database' }]);
  }
  const config: UrlConfig = {
    host: decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1'),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
  if (u.port) config.port = Number(u.port);
  if (u.protocol === 'mongodb+srv:') config.protocol = 'mongodb+srv';
  const unknown: string[] = [];
  for (const [key, value] of u.searchParams) {
    const apply = QUERY_FIELDS[key];
    if (apply) apply(config, value);
    else unknown.push(key);
  }
  if (unknown.length) {
    throw new ConfigError(
      unknown.map((k) => ({ field: `url?${k}`, problem: `unknown parameter; known: ${Object.keys(QUERY_FIELDS).join(', ')}` })),
    );
  }
  return config;
}
