import { startApi } from '@sluice/api';
import { UsageError } from '../connection-arg';
import { resolveTemporalTarget } from '../embedded';
import { printJson } from '../output';
import { catalogCommand, withCatalog } from './catalog';

/** `sluice serve`: the REST API on the configured Temporal (or an embedded one) and catalog, until Ctrl-C. */
export async function serveCommand(o: { port?: string; host?: string; quiet?: boolean }): Promise<number> {
  const port = o.port === undefined ? 8080 : Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number (0–65535)');
  const temporal = await resolveTemporalTarget();
  try {
    const api = await startApi({ address: temporal.address, port, host: o.host ?? '127.0.0.1', logs: !o.quiet });
    process.stderr.write(`sluice serve: ${api.url} (OpenAPI at ${api.url}/openapi.json, docs at ${api.url}/docs); Temporal ${temporal.address}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await api.close();
    return 0;
  } finally {
    await temporal.close();
  }
}

/** `sluice api-token create`: the token is printed once; the catalog keeps its SHA-256 only. */
export function apiTokenCreateCommand(name: string, o: { scope?: string; json?: boolean }): Promise<number> {
  return catalogCommand(false, async () => {
    const { token, apiToken } = await withCatalog((c) => c.createApiToken({ name, scope: (o.scope ?? 'read') as 'read' }));
    if (o.json) {
      printJson({ token, ...apiToken });
      return undefined;
    }
    process.stderr.write(`API token '${apiToken.name}' (${apiToken.scope}, id ${apiToken.id}); shown only now:\n`);
    return token;
  });
}

export function apiTokenListCommand(o: { json?: boolean }): Promise<number> {
  return catalogCommand(o.json, async () => {
    const tokens = await withCatalog((c) => c.listApiTokens());
    if (o.json) return tokens;
    return tokens.map((t) => `${t.id}  ${t.name}  ${t.scope}  created ${t.createdAt}${t.revokedAt ? `  revoked ${t.revokedAt}` : ''}`).join('\n') || '(no API tokens)';
  });
}

export function apiTokenRevokeCommand(token: string, o: { json?: boolean }): Promise<number> {
  return catalogCommand(o.json, async () => {
    const revoked = await withCatalog((c) => c.revokeApiToken(token));
    return o.json ? revoked : `revoked ${revoked.name} (${revoked.id}); servers stop accepting it within 5 s`;
  });
}
