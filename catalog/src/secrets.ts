import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decrypt, defaultKeyFile, encrypt, loadCodecKeys, loadKeyFile, parseCodecKeys, withOpeningKeys, type CodecKeys } from '@sluice/codec';
import { CatalogCode, CatalogError } from './errors';

/** Where a Syntho config keeps secrets: sealed at rest, never stored in the clear config. */
export const SECRET_PATHS = [['password'], ['hooks_params', 'SSL', 'key'], ['hooks_params', 'SSHTunnel', 'password'], ['hooks_params', 'SSHTunnel', 'pkey'], ['hooks_params', 'SSHTunnel', 'pkey_password']] as const;

type Json = Record<string, unknown>;

/** Splits a config into what may be stored in the clear and its secrets (by dotted path). */
export function splitSecrets(config: Json): { clear: Json; secrets: Record<string, string> } {
  const clear = structuredClone(config);
  const secrets: Record<string, string> = {};
  for (const path of SECRET_PATHS) {
    let node: Json | undefined = clear;
    for (const key of path.slice(0, -1)) node = node?.[key] as Json | undefined;
    const leaf = path[path.length - 1]!;
    const value = node?.[leaf];
    if (typeof value === 'string' && value.length) secrets[path.join('.')] = value;
    if (node && leaf in node) delete node[leaf];
  }
  return { clear, secrets };
}

/** The config with its secrets put back. */
export function joinSecrets(clear: Json, secrets: Record<string, string>): Json {
  const config = structuredClone(clear);
  for (const [dotted, value] of Object.entries(secrets)) {
    const path = dotted.split('.');
    let node = config;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Json;
    node[path[path.length - 1]!] = value;
  }
  return config;
}

/**
 * The keys that seal secrets (the catalog's at rest, and a job's inline ones in its workflow
 * input): `SLUICE_CATALOG_KEYS` (`id:base64,…`; the first seals, all open: rotation), else a
 * local key file of their own (`SLUICE_CATALOG_KEY_FILE`, default `catalog-keys` beside the
 * codec key file), created on first use. Never the codec's keys: a codec server holds those,
 * and what it decodes must not open sealed secrets. Secrets a catalog sealed with the codec key
 * file before the catalog had its own still open with it.
 */
export function loadSecretKeys(env: NodeJS.ProcessEnv = process.env): CodecKeys {
  if (env.SLUICE_CATALOG_KEYS) return parseCodecKeys(env.SLUICE_CATALOG_KEYS, 'SLUICE_CATALOG_KEYS');
  const own = loadKeyFile(catalogKeyFile(env), 'catalog');
  return env.SLUICE_CODEC_KEYS || existsSync(defaultKeyFile()) ? withOpeningKeys(own, loadCodecKeys(env)) : own;
}

export function catalogKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.SLUICE_CATALOG_KEY_FILE ?? join(dirname(defaultKeyFile()), 'catalog-keys');
}

export function sealSecrets(secrets: Record<string, string>, keys: CodecKeys): { sealed: Buffer; keyId: string } {
  return { sealed: Buffer.from(encrypt(Buffer.from(JSON.stringify(secrets), 'utf8'), keys.current.key)), keyId: keys.current.id };
}

export function openSecrets(sealed: Uint8Array, keyId: string, keys: CodecKeys): Record<string, string> {
  const key = keys.byId.get(keyId);
  if (!key) {
    throw new CatalogError(CatalogCode.SECRET_KEY_MISSING, `The connection's secrets are sealed with key '${keyId}', which is not loaded: add it to SLUICE_CATALOG_KEYS.`);
  }
  return JSON.parse(Buffer.from(decrypt(sealed, key)).toString('utf8')) as Record<string, string>;
}
