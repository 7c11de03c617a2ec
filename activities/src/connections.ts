import { secretsOf, secretsOfSpec, type ConnectionSpec, type ConnectorRegistry, type ResolvedConnection } from '@sluice/connector-sdk';
import { Catalog, loadSecretKeys, openSpec } from '@sluice/catalog';
import { NO_METRICS, type ActivityMetrics } from './metrics';
import { SessionCache } from './session-cache';

/** The catalog's sealing keys (as @sluice/codec loads them). */
type CodecKeys = Parameters<typeof openSpec>[1];

/**
 * Turns a job's connection spec into a connector and its config: inline
 * specs through the registry, catalog ids by loading and decrypting the
 * stored config (the catalog opens on first use, once per worker).
 */
export class ConnectionResolver {
  private catalogOpening?: Promise<Catalog>;
  /** Sessions handed from one activity to the next on this worker. */
  readonly sessions = new SessionCache();
  /** Where copies report rows and batch latency (the worker sets its own; nothing by default). */
  metrics: ActivityMetrics = NO_METRICS;

  constructor(
    readonly registry: ConnectorRegistry,
    private readonly openCatalog: () => Promise<Catalog> = () => Catalog.open(),
    /** The catalog keys that open sealed inline specs (default: SLUICE_CATALOG_KEYS or the local catalog key file). */
    private readonly loadKeys: () => CodecKeys = () => loadSecretKeys(),
  ) {}

  private keys?: CodecKeys;

  catalog(): Promise<Catalog> {
    this.catalogOpening ??= this.openCatalog().catch((err) => {
      this.catalogOpening = undefined; // retry on the next activity
      throw err;
    });
    return this.catalogOpening;
  }

  /** The connector, its config, and every secret of it (for scrubbing messages). */
  async resolve(spec: ConnectionSpec): Promise<ResolvedConnection & { secrets: string[] }> {
    if ('sealed' in spec) return this.resolve(openSpec(spec, (this.keys ??= this.loadKeys())));
    if ('connectionId' in spec) {
      const { config } = await (await this.catalog()).connectionConfig(spec.connectionId);
      return { ...this.registry.resolve({ config: config as { connector_type: string } }), secrets: secretsOf(config) };
    }
    return { ...this.registry.resolve(spec), secrets: secretsOfSpec(spec) };
  }

  async close(): Promise<void> {
    await this.sessions.closeIdle();
    if (this.catalogOpening) await (await this.catalogOpening.catch(() => undefined))?.close();
  }
}
