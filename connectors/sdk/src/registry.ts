import type { ConnectorPlugin } from './connector';
import { urlPassword } from './redact';
import { ConfigError } from './errors';
import { parseConfig, secretsOf, type RelationalConfig } from './config';
import { parseConnectionUrl, urlScheme } from './url';

/**
 * A connection as jobs carry it: a URL, a Syntho-shaped config, or the id of
 * a catalog connection (the worker loads and decrypts it; nothing secret travels).
 */
export type ConnectionSpec = { url: string } | { config: { connector_type: string } & Record<string, unknown> } | { connectionId: string } | SealedConnectionSpec;
/** The specs a registry resolves by itself (a catalog id needs the catalog first, a sealed spec its keys). */
export type InlineConnectionSpec = Exclude<ConnectionSpec, { connectionId: string } | SealedConnectionSpec>;

/**
 * An inline spec (URL or config) sealed by the client with the catalog's keys, as workflows carry
 * it: `sealed` is `<key id>:<AES-256-GCM ciphertext, base64>`, opened only by activities (the
 * ConnectionResolver); `key` is the connection's opaque id, `summary` where it points without
 * its password (what a codec-holding UI user may read).
 */
export interface SealedConnectionSpec {
  sealed: string;
  key: string;
  summary: string;
}

export interface ResolvedConnection {
  plugin: ConnectorPlugin;
  config: RelationalConfig;
}

/** The installed connectors, by engine type, URL scheme and Syntho connector_type. */
export class ConnectorRegistry {
  private readonly plugins = new Map<string, ConnectorPlugin>();

  register(plugin: ConnectorPlugin): this {
    if (this.plugins.has(plugin.type)) throw new Error(`Connector '${plugin.type}' is registered twice`);
    this.plugins.set(plugin.type, plugin as ConnectorPlugin);
    return this;
  }

  list(): ConnectorPlugin[] {
    return [...this.plugins.values()];
  }

  get(type: string): ConnectorPlugin {
    const plugin = this.plugins.get(type);
    if (!plugin) throw this.unknown('type', `'${type}'`);
    return plugin;
  }

  /** Validates a connection spec into a plugin and its parsed config; throws ConfigError. */
  resolve(spec: ConnectionSpec): ResolvedConnection {
    if ('connectionId' in spec) {
      throw new ConfigError([{ field: 'connectionId', problem: 'a catalog connection: resolve it through the catalog first' }]);
    }
    if ('sealed' in spec) {
      throw new ConfigError([{ field: 'sealed', problem: 'a sealed connection: open it with the catalog keys first' }]);
    }
    if ('url' in spec) {
      const scheme = urlScheme(spec.url);
      const plugin = this.list().find((p) => p.urlSchemes.includes(scheme));
      if (!plugin) throw this.unknown('url', `scheme '${scheme}://'`);
      const fields = parseConnectionUrl(spec.url);
      return { plugin, config: parseConfig(plugin.configSchema, { connector_type: plugin.connectorType, ...fields }) };
    }
    const connectorType = spec.config?.connector_type;
    const plugin = this.list().find((p) => p.connectorType === connectorType);
    if (!plugin) throw this.unknown('connector_type', `'${String(connectorType)}'`);
    return { plugin, config: parseConfig(plugin.configSchema, spec.config) };
  }

  private unknown(field: string, what: string): ConfigError {
    const known = this.list()
      .map((p) => `${p.type} (${p.connectorType}; ${p.urlSchemes.map((s) => s + '://').join(', ')})`)
      .join('; ');
    return new ConfigError([{ field, problem: `no installed connector for ${what}; installed: ${known || 'none'}` }]);
  }
}

/** Every secret a spec may hold (URL password or config secrets), for redaction. */
export function secretsOfSpec(spec: ConnectionSpec): string[] {
  if ('connectionId' in spec || 'sealed' in spec) return [];
  if ('url' in spec) {
    const raw = urlPassword(spec.url ?? '');
    if (!raw) return [];
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // keep the raw form
    }
    return [...new Set([raw, decoded])];
  }
  return secretsOf(spec.config);
}
