import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { explainTemporalConnectError, temporalConnectionOptions, type TemporalConnectionSettings } from '@sluice/client';

/**
 * A native (worker) connection to Temporal with the settings every Sluice
 * process reads (`temporalConnectionOptions`: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CA,
 * TEMPORAL_TLS_CERT/KEY, TEMPORAL_TLS_SERVER_NAME). A failure says in words
 * what failed and which variable to set.
 */
export async function connectNativeTemporal(settings: TemporalConnectionSettings = temporalConnectionOptions()): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(nativeConnectionOptions(settings));
  } catch (err) {
    throw await explainTemporalConnectError(err, settings);
  }
}

export function nativeConnectionOptions(settings: TemporalConnectionSettings): NativeConnectionOptions {
  return { address: settings.address, tls: settings.tls, apiKey: settings.apiKey };
}

/** @deprecated `temporalConnectionOptions` from @sluice/client: the same settings for every process. */
export function temporalConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): {
  connection: NativeConnectionOptions;
  namespace: string;
} {
  const settings = temporalConnectionOptions(env);
  return { connection: nativeConnectionOptions(settings), namespace: settings.namespace };
}
