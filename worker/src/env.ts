import { readFileSync } from 'node:fs';
import type { NativeConnectionOptions } from '@temporalio/worker';

/**
 * Temporal connection settings from the environment: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY (Temporal Cloud), TEMPORAL_TLS=true,
 * TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY (mTLS file paths).
 */
export function temporalConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): {
  connection: NativeConnectionOptions;
  namespace: string;
} {
  const address = env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const apiKey = env.TEMPORAL_API_KEY;
  const mtls = env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY
    ? { clientCertPair: { crt: readFileSync(env.TEMPORAL_TLS_CERT), key: readFileSync(env.TEMPORAL_TLS_KEY) } }
    : undefined;
  const tls = mtls ?? (apiKey || env.TEMPORAL_TLS === 'true' ? true : undefined);
  return { connection: { address, apiKey, tls }, namespace: env.TEMPORAL_NAMESPACE ?? 'default' };
}
