import { createHmac, hkdfSync } from 'node:crypto';
import type { CodecKeys } from '@sluice/codec';

const INFO = 'sluice opaque connection id v1';

/** The HMAC key for opaque ids, derived (HKDF-SHA256) from a sealing key: never the sealing key itself. */
function idKey(key: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), INFO, 32));
}

/**
 * An opaque id for `identity` (e.g. a normalized connection URL without its password):
 * `<prefix>:` and 128 bits of HMAC-SHA256 in hex, keyed from the current sealing key. Stable for
 * everyone holding the keys (clients that list jobs by connection), meaningless to anyone else
 * (search attributes are never encrypted: Temporal admins and UI users read them).
 */
export function opaqueId(prefix: string, identity: string, keys: CodecKeys): string {
  return idWith(prefix, identity, keys.current.key);
}

/** The id under every loaded key (the current one first): what a lookup asks for across a key rotation. */
export function opaqueIds(prefix: string, identity: string, keys: CodecKeys): string[] {
  return [...new Set([keys.current.key, ...keys.byId.values()].map((key) => idWith(prefix, identity, key)))];
}

function idWith(prefix: string, identity: string, key: Buffer): string {
  return `${prefix}:${createHmac('sha256', idKey(key)).update(identity, 'utf8').digest('hex').slice(0, 32)}`;
}
