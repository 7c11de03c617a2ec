import type { CodecKeys } from '@sluice/codec';
import type { InlineConnectionSpec, SealedConnectionSpec } from '@sluice/connector-sdk';
import { CatalogCode, CatalogError } from './errors';
import { openSecrets, sealSecrets } from './secrets';

/**
 * An inline connection (URL or config, with its password) sealed with the catalog's current key,
 * the same AES-256-GCM sealing as stored connections: workflows carry it, only holders of the
 * catalog keys (workers' activities) open it. The codec server holds codec keys only, so an
 * operator reading the decoded workflow input sees `summary` and ciphertext.
 */
export function sealSpec(spec: InlineConnectionSpec, keys: CodecKeys, about: { key: string; summary: string }): SealedConnectionSpec {
  const { sealed, keyId } = sealSecrets({ spec: JSON.stringify(spec) }, keys);
  return { sealed: `${keyId}:${sealed.toString('base64')}`, key: about.key, summary: about.summary };
}

/** The inline spec inside a sealed one; fails naming the key id when that key is not loaded. */
export function openSpec(spec: SealedConnectionSpec, keys: CodecKeys): InlineConnectionSpec {
  const sep = spec.sealed.indexOf(':');
  if (sep <= 0) throw new CatalogError(CatalogCode.INVALID_FIELD, 'A sealed connection must be <key id>:<ciphertext>.', 'sealed');
  const opened = openSecrets(Buffer.from(spec.sealed.slice(sep + 1), 'base64'), spec.sealed.slice(0, sep), keys);
  return JSON.parse(opened.spec!) as InlineConnectionSpec;
}
