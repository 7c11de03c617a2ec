import { randomBytes } from 'node:crypto';

/** Readable, unique workflow ids: `test-connection-postgres-20261125-101502-3f9a`. */
export function jobId(kind: string, detail?: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const parts = [kind, detail, stamp, randomBytes(2).toString('hex')].filter(Boolean);
  return parts.join('-').toLowerCase().replace(/[^a-z0-9-]+/g, '-');
}

/** A connection URL with its password masked, for summaries the UI shows. */
type Spec = { url: string } | { config: Record<string, unknown> } | { connectionId: string };

export function describeConnection(spec: Spec): string {
  if ('connectionId' in spec) return `connection ${spec.connectionId}`;
  if ('url' in spec) return spec.url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/\s]*@/i, '$1@');
  const c = spec.config;
  return `${String(c.connector_type)} ${String(c.username ?? '')}@${String(c.host ?? '')}:${String(c.port ?? '')}/${String(c.database ?? '')}`;
}

export function engineOf(spec: Spec): string {
  if ('connectionId' in spec) return 'catalog';
  if ('url' in spec) return /^([a-z][a-z0-9+.-]*):/i.exec(spec.url)?.[1] ?? 'unknown';
  return String(spec.config.connector_type ?? 'unknown').replace(/Connector$/, '');
}

/**
 * A connection's key for the `SluiceConnectionIds` search attribute (never
 * encrypted, so never a secret): `engine://user@host:port/database`. Inline
 * connections are keyed by where they point; catalog connections by their id
 * (the key the catalog's "job in progress" check looks for).
 */
export function connectionKey(spec: Spec): string {
  if ('connectionId' in spec) return spec.connectionId;
  if ('url' in spec) return describeConnection(spec).replace(/[?#].*$/, '');
  const c = spec.config;
  return `${engineOf(spec).toLowerCase()}://${String(c.username ?? '')}@${String(c.host ?? '')}:${String(c.port ?? '')}/${String(c.database ?? '')}`;
}
