import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { loadCodecKeys, type CodecKeys } from './codec-keys';

export * from './codec-keys';
export * from './codec-server';
export { FailureLimiter, isLoopback, tokensEqual } from './codec-server-guard';
export * from './encryption-codec';
export { failureConverter } from './failure-converter';

/** The module whose `failureConverter` encodes failure messages and stacks (the workflow bundle includes it too). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The data converter every Sluice client, worker and codec server uses: payloads and failure texts encrypted. */
export function sluiceDataConverter(keys: CodecKeys = loadCodecKeys()): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
