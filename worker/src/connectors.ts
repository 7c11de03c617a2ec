import { ConnectorRegistry, type ConnectorPlugin } from '@sluice/connector-sdk';

/**
 * Connector packages the worker loads when they are installed. Each is
 * optional: a worker without a driver (e.g. DB2's native one) still starts,
 * and only jobs on that engine fail, naming the missing package.
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

export function loadConnectors(packages: readonly string[] = CONNECTOR_PACKAGES): LoadedConnectors {
  const registry = new ConnectorRegistry();
  const missing: LoadedConnectors['missing'] = [];
  for (const pkg of packages) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(pkg) as { default: ConnectorPlugin };
      registry.register(mod.default);
    } catch (err) {
      missing.push({ pkg, reason: err instanceof Error ? err.message.split('\n')[0]! : String(err) });
    }
  }
  return { registry, missing };
}
