import type { FastifyRequest } from 'fastify';
import { scopeAllows, tokenHash, type ApiScope, type ApiToken, type Catalog } from '@sluice/catalog';
import { forbidden, unauthorized } from './errors';

/** Paths served without a token: the API's own description. */
export const PUBLIC_PATHS = [/^\/openapi\.json$/, /^\/docs(\/|$)/];

declare module 'fastify' {
  interface FastifyRequest {
    apiToken?: ApiToken;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; default: read for GET/HEAD, write otherwise. */
    scope?: ApiScope;
  }
}

/**
 * Bearer tokens checked against the catalog (by SHA-256), remembered for
 * `ttlMs` so a busy client does not cost a catalog round trip per request:
 * a revoked token stops working within that time.
 */
export class TokenVerifier {
  private readonly known = new Map<string, { token: ApiToken; until: number }>();

  constructor(
    private readonly catalog: () => Promise<Catalog>,
    private readonly ttlMs = 5_000,
  ) {}

  async verify(request: FastifyRequest): Promise<ApiToken> {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('This request needs a bearer token: Authorization: Bearer <token> (create one with `sluice api-token create`).');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw unauthorized('The Authorization header must be "Bearer <token>".');
    const hash = tokenHash(m[1]!);
    const cached = this.known.get(hash);
    if (cached && cached.until > Date.now()) return cached.token;
    const token = await (await this.catalog()).findApiToken(m[1]!);
    if (!token) {
      this.known.delete(hash);
      throw unauthorized('The bearer token is unknown or revoked.');
    }
    if (this.known.size > 10_000) this.known.clear();
    this.known.set(hash, { token, until: Date.now() + this.ttlMs });
    return token;
  }

  /** Forgets a token at once (after a revoke through this server). */
  forget(tokenId: string): void {
    for (const [hash, entry] of this.known) if (entry.token.id === tokenId) this.known.delete(hash);
  }
}

export function requiredScope(request: FastifyRequest): ApiScope {
  return request.routeOptions.config.scope ?? (request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write');
}

export function checkScope(token: ApiToken, needs: ApiScope): void {
  if (!scopeAllows(token.scope, needs)) throw forbidden(`This token's scope is '${token.scope}'; this request needs '${needs}'.`);
}
