import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from './db';
import { CatalogCode, CatalogError, notFound } from './errors';
import { isUuid } from './connections';
import { parseInput } from './connection-input';

/** What a token may do: read (GET), write (connections, jobs), admin (tokens); each includes the ones before. */
export const API_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** A token as listed: never the token itself. */
export interface ApiToken {
  id: string;
  name: string;
  scope: ApiScope;
  createdAt: string;
  revokedAt: string | null;
}

export const createApiTokenSchema = z.strictObject({ name: z.string().min(3).max(100), scope: z.enum(API_SCOPES).default('read') });

/** Whether a token of scope `has` may do what `needs` asks. */
export const scopeAllows = (has: ApiScope, needs: ApiScope) => API_SCOPES.indexOf(has) >= API_SCOPES.indexOf(needs);

/** Tokens are looked up by their SHA-256: a 256-bit random token needs no slow hash. */
export const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

interface Row {
  id: string;
  name: string;
  scope: ApiScope;
  created_at: Date | string;
  revoked_at: Date | string | null;
}

const toApiToken = (r: Row): ApiToken => ({
  id: r.id,
  name: r.name,
  scope: r.scope,
  createdAt: new Date(r.created_at).toISOString(),
  revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
});

/** Creates a token; the clear token is returned here only. */
export async function createApiToken(db: Queryable, input: z.input<typeof createApiTokenSchema>): Promise<{ token: string; apiToken: ApiToken }> {
  const { name, scope } = parseInput(createApiTokenSchema, input, 'API token');
  if ((await db.query('SELECT 1 FROM api_tokens WHERE name = $1', [name])).length) {
    throw new CatalogError(CatalogCode.CONFLICT, `An API token named '${name}' already exists. Choose another name.`, 'name');
  }
  const token = `sluice_${randomBytes(32).toString('base64url')}`;
  const rows = await db.query<Row>('INSERT INTO api_tokens (id, name, scope, token_sha256) VALUES ($1, $2, $3, $4) RETURNING *', [randomUUID(), name, scope, tokenHash(token)]);
  return { token, apiToken: toApiToken(rows[0]!) };
}

export async function listApiTokens(db: Queryable): Promise<ApiToken[]> {
  return (await db.query<Row>('SELECT * FROM api_tokens ORDER BY name')).map(toApiToken);
}

/** Revokes a token by id or name (idempotent: a revoked token stays revoked at its first time). */
export async function revokeApiToken(db: Queryable, idOrName: string): Promise<ApiToken> {
  const rows = await db.query<Row>(
    `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE ${isUuid(idOrName) ? 'id = $1' : 'name = $1'} RETURNING *`,
    [idOrName],
  );
  if (!rows[0]) throw notFound('API token', idOrName);
  return toApiToken(rows[0]);
}

/** The live (not revoked) token with this clear value, or null. */
export async function findApiToken(db: Queryable, token: string): Promise<ApiToken | null> {
  const rows = await db.query<Row>('SELECT * FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL', [tokenHash(token)]);
  return rows[0] ? toApiToken(rows[0]) : null;
}
