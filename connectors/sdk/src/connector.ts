import type { z } from 'zod';
import type { Functionality } from './functionalities';
import type { ApplicationMessage } from './messages';
import type { RelationalConfig } from './config';

export interface TestOptions {
  /** Aborts the attempt (e.g. the activity was cancelled). */
  signal?: AbortSignal;
}

/**
 * What a connector package default-exports. Operations beyond `test` join
 * the contract as the engines implement them; a connector declares in
 * `functionalities` only what it implements and the testkit proves.
 */
export interface ConnectorPlugin<C extends RelationalConfig = RelationalConfig> {
  /** Sluice's engine name, e.g. `postgresql`. */
  readonly type: string;
  readonly displayName: string;
  /** The npm driver it uses, e.g. `pg`. */
  readonly driver: string;
  /** Syntho's discriminator value of `connector_type`, e.g. `PostgreSQLConnector`. */
  readonly connectorType: string;
  /** URL schemes it answers, e.g. `postgres`, `postgresql`. */
  readonly urlSchemes: readonly string[];
  readonly configSchema: z.ZodType<C, any>;
  readonly functionalities: readonly Functionality[];
  /**
   * Connects, authenticates and reads the server version. Never throws for a
   * failed connection: the cause is answered as an application message with
   * a stable code, secrets removed.
   */
  test(config: C, options?: TestOptions): Promise<ApplicationMessage>;
}
