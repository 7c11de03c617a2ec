import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { API_SCOPES, scopeAllows, tokenHash, type ApiScope, type ApiToken, type Catalog } from '@sluice/catalog';
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

/** OIDC access tokens (JWTs) verified against a JWKS, beside the catalog's tokens. */
export interface JwtOptions {
  jwksUrl: string;
  audience?: string;
  issuer?: string;
}

/** SLUICE_API_JWKS_URL (+ SLUICE_API_JWT_AUDIENCE, SLUICE_API_JWT_ISSUER), or none. */
export function jwtOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): JwtOptions | undefined {
  if (!env.SLUICE_API_JWKS_URL) return undefined;
  return { jwksUrl: env.SLUICE_API_JWKS_URL, audience: env.SLUICE_API_JWT_AUDIENCE || undefined, issuer: env.SLUICE_API_JWT_ISSUER || undefined };
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** A stable UUID for an identity (Collibra's createdBy, rate limits and idempotency keys are per caller). */
function uuidOf(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A JWT's caller: the widest Sluice scope its `scope` claim grants (`sluice:read`, `sluice:write`,
 * `sluice:admin`, space-separated as OAuth writes them); none is a 403, not a 401.
 */
class JwtVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: JwtOptions) {
    this.jwks = createRemoteJWKSet(new URL(options.jwksUrl));
  }

  async verify(jwt: string): Promise<ApiToken> {
    let payload;
    try {
      ({ payload } = await jwtVerify(jwt, this.jwks, { audience: this.options.audience, issuer: this.options.issuer }));
    } catch (err) {
      const why = err instanceof joseErrors.JWTExpired ? 'it expired' : err instanceof joseErrors.JWTClaimValidationFailed ? `its ${err.claim} claim does not match` : 'its signature or format is not valid';
      throw unauthorized(`The bearer JWT was refused: ${why}.`);
    }
    const granted = String(payload.scope ?? '')
      .split(/\s+/)
      .map((s) => s.replace(/^sluice:/, ''))
      .filter((s): s is ApiScope => (API_SCOPES as readonly string[]).includes(s));
    if (!granted.length) throw forbidden(`The bearer JWT grants no Sluice scope (sluice:read, sluice:write or sluice:admin in its scope claim).`);
    const scope = granted.reduce((a, b) => (scopeAllows(a, b) ? a : b));
    const subject = `${payload.iss ?? ''}|${payload.sub ?? ''}`;
    return { id: uuidOf(subject), name: `jwt:${payload.sub ?? 'unknown'}`, scope, createdAt: new Date((payload.iat ?? 0) * 1000).toISOString(), revokedAt: null };
  }
}

/**
 * Bearer tokens checked against the catalog (by SHA-256), remembered for
 * `ttlMs` so a busy client does not cost a catalog round trip per request:
 * a revoked token stops working within that time.
 */
export class TokenVerifier {
  private readonly known = new Map<string, { token: ApiToken; until: number }>();

  private readonly jwt?: JwtVerifier;

  constructor(
    private readonly catalog: () => Promise<Catalog>,
    private readonly ttlMs = 5_000,
    jwt?: JwtOptions,
  ) {
    if (jwt) this.jwt = new JwtVerifier(jwt);
  }

  async verify(request: FastifyRequest): Promise<ApiToken> {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('This request needs a bearer token: Authorization: Bearer <token> (create one with `sluice api-token create`).');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw unauthorized('The Authorization header must be "Bearer <token>".');
    if (this.jwt && JWT_SHAPE.test(m[1]!)) return this.jwt.verify(m[1]!);
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
