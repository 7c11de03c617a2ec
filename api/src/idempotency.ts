import { createHash } from 'node:crypto';
import { z } from 'zod';

/** A repeated request with the same key gets the job the first one started, for this long. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

export const idempotencyHeaders = z.looseObject({ 'idempotency-key': z.string().min(1).max(255).optional() });

/** Keys are the caller's own: the same key from another token is another key. Stored and compared hashed. */
export function idempotencyHash(tokenId: string, key: string): string {
  return createHash('sha256').update(`${tokenId}\n${key}`, 'utf8').digest('hex');
}
