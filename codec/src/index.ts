import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { loadCodecKeys, type CodecKeys } from './codec-keys';

export * from './codec-keys';
export * from './codec-server';
export * from './encryption-codec';

/** The data converter every Sluice client and worker uses. */
export function sluiceDataConverter(keys: CodecKeys = loadCodecKeys()): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)] };
}
