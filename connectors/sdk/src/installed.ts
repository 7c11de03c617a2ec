import { dirname, join } from 'node:path';
import type { ConnectorPlugin } from './connector';
import { ConnectorRegistry } from './registry';

/**
 * Connector packages loaded when they are installed. Each is optional: a
 * worker without a driver (e.g. DB2's native one) still starts, and only
 * jobs on that engine fail, naming the missing package.
 */
export const CONNECTOR_PACKAGES = [
  '@sluice/connector-postgres',
  '@sluice/connector-mysql',
  '@sluice/connector-mongodb',
  '@sluice/connector-oracle',
  '@sluice/connector-mssql',
  '@sluice/connector-db2',
] as const;

export interface LoadedConnectors {
  registry: ConnectorRegistry;
  /** Packages that could not be loaded, with the reason. */
  missing: { pkg: string; reason: string }[];
}

/**
 * A registry of the installed connector packages (workers run jobs with it; clients and the CLI
 * check connection configs with the same schemas before a job starts).
 */
export function loadConnectors(packages: readonly string[] = CONNECTOR_PACKAGES): LoadedConnectors {
  const registry = new ConnectorRegistry();
  const missing: LoadedConnectors['missing'] = [];
  for (const pkg of packages) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(pluginEntry(pkg)) as { default: ConnectorPlugin };
      registry.register(mod.default);
    } catch (err) {
      missing.push({ pkg, reason: err instanceof Error ? err.message.split('\n')[0]! : String(err) });
    }
  }
  return { registry, missing };
}

/**
 * The module a connector package registers from: its package.json's
 * `sluice.plugin` when it declares one (the plugin without its driver, which
 * loads with the first session: a worker holds only the drivers its jobs
 * use, ~20 MiB less for a PostgreSQL-only one), else the package itself.
 */
export function pluginEntry(pkg: string): string {
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    return pkg; // not installed, or no package.json to read: require(pkg) says which
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const plugin = (require(manifest) as { sluice?: { plugin?: unknown } }).sluice?.plugin;
  return typeof plugin === 'string' ? join(dirname(manifest), plugin) : pkg;
}
