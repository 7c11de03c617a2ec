import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Catalog, JobRef } from '@sluice/catalog';
import { ApiError } from './errors';

/** A repeated request with the same key gets the job the first one started, for this long. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

export const idempotencyHeaders = z.looseObject({ 'idempotency-key': z.string().min(1).max(255).optional() });

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** JSON with keys sorted at every level: the same request, however its fields were ordered. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A request's key (the caller's own: the same key from another token is another key) and its fingerprint, both hashed. */
export interface IdempotentRequest {
  key: string;
  request: string;
}

export function idempotentRequest(tokenId: string, key: string | undefined, route: string, request: unknown): IdempotentRequest | null {
  return key ? { key: sha256(`${tokenId}\n${key}`), request: sha256(`${route}\n${canonical(request)}`) } : null;
}

/**
 * The job this key started within 24 h, or null; the same key with another request is refused
 * (422, as the IETF Idempotency-Key draft says), never answered with a job it did not ask for.
 */
export async function earlierJob(store: Catalog, idempotent: IdempotentRequest | null): Promise<JobRef | null> {
  if (!idempotent) return null;
  const earlier = await store.findJobRefByKey(idempotent.key, IDEMPOTENCY_WINDOW_MS);
  if (earlier && earlier.requestSha256 !== idempotent.request) {
    throw new ApiError(422, 'SLC-1023', 'Idempotency Key Reused', `This Idempotency-Key was used within 24 h for another request (job ${earlier.workflowId}). Use a new key for a new request.`, 'Idempotency-Key');
  }
  return earlier;
}
