import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface CodecKeys {
  /** The key new payloads are encrypted with. */
  current: { id: string; key: Buffer };
  /** Every key that may decrypt, by id (the current one and those being rotated out). */
  byId: Map<string, Buffer>;
}

/**
 * Parses `id1:base64key,id2:base64key`; the first key encrypts, all decrypt.
 * Each key is 32 bytes (AES-256), e.g. `openssl rand -base64 32`.
 */
export function parseCodecKeys(spec: string, source = 'SLUICE_CODEC_KEYS'): CodecKeys {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const sep = entry.indexOf(':');
      const id = sep > 0 ? entry.slice(0, sep) : '';
      const key = Buffer.from(sep > 0 ? entry.slice(sep + 1) : '', 'base64');
      if (!id || key.length !== 32) {
        throw new Error(`${source}: entry ${i + 1} must be <key-id>:<32 bytes in base64> (e.g. "k1:$(openssl rand -base64 32)")`);
      }
      return [id, key] as const;
    });
  if (!entries.length) throw new Error(`${source} is empty: give at least one <key-id>:<base64 key>`);
  const [id, key] = entries[0]!;
  return { current: { id, key }, byId: new Map(entries) };
}

export function defaultKeyFile(): string {
  return process.env.SLUICE_CODEC_KEY_FILE ?? join(homedir(), '.config', 'sluice', 'codec-keys');
}

/**
 * Keys from `SLUICE_CODEC_KEYS`; without it, from a local key file that is
 * created (mode 0600) on first use, so a local client and worker agree
 * without set-up. Production sets `SLUICE_CODEC_KEYS` on every worker and client.
 */
export function loadCodecKeys(env: NodeJS.ProcessEnv = process.env): CodecKeys {
  if (env.SLUICE_CODEC_KEYS) return parseCodecKeys(env.SLUICE_CODEC_KEYS);
  return loadKeyFile(defaultKeyFile(), 'local');
}

/**
 * The keys in `file` (`id:base64,…`), created with one fresh key `<prefix>-<hex>` (mode 0600,
 * its directory 0700) when missing. Two processes creating it at once agree on the first one.
 */
export function loadKeyFile(file: string, prefix: string): CodecKeys {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `${prefix}-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(file, 0o600);
  return parseCodecKeys(readFileSync(file, 'utf8'), file);
}

/** `primary`'s current key seals; every key of both opens (primary's win on an id clash). */
export function withOpeningKeys(primary: CodecKeys, extra: CodecKeys): CodecKeys {
  return { current: primary.current, byId: new Map([...extra.byId, ...primary.byId]) };
}
