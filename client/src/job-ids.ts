import { randomBytes } from 'node:crypto';
import { opaqueId, opaqueIds } from '@sluice/catalog';
import type { CodecKeys } from '@sluice/codec';
import { redactUrl, type SealedConnectionSpec } from '@sluice/connector-sdk';
import { connectionIdentity } from './connection-identity';

/** Readable, unique workflow ids: `test-connection-postgres-20261125-101502-3f9a`. */
export function jobId(kind: string, detail?: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const parts = [kind, detail, stamp, randomBytes(2).toString('hex')].filter(Boolean);
  return parts.join('-').toLowerCase().replace(/[^a-z0-9-]+/g, '-');
}

/** Where a connection points, without password or query, for summaries the UI shows. */
type Spec = { url: string } | { config: Record<string, unknown> } | { connectionId: string } | SealedConnectionSpec;

export function describeConnection(spec: Spec): string {
  if ('connectionId' in spec) return `connection ${spec.connectionId}`;
  if ('sealed' in spec) return spec.summary;
  if ('url' in spec) return redactUrl(spec.url, '').replace(/[?#].*$/, ''); // a query may hold ?password= or a key path
  const c = spec.config;
  return `${String(c.connector_type)} ${String(c.username ?? '')}@${String(c.host ?? '')}:${String(c.port ?? '')}/${String(c.database ?? '')}`;
}

export function engineOf(spec: Spec): string {
  if ('connectionId' in spec) return 'catalog';
  if ('sealed' in spec) return /^([a-z][a-z0-9+.-]*):/i.exec(spec.summary)?.[1] ?? 'unknown';
  if ('url' in spec) return /^([a-z][a-z0-9+.-]*):/i.exec(spec.url)?.[1] ?? 'unknown';
  return String(spec.config.connector_type ?? 'unknown').replace(/Connector$/, '');
}

/**
 * A connection's key for the `SluiceConnectionIds` search attribute. Search attributes are
 * never encrypted (Temporal admins and UI users read them), so they hold no user, host or
 * database: catalog connections by their id (the key the catalog's "job in progress" check
 * looks for), inline ones by `url:` and a keyed hash of where they point (connection-identity),
 * keyed from the sealing keys so that only key holders can tell which database a job used.
 */
export function connectionKey(spec: Spec, keys: CodecKeys): string {
  if ('connectionId' in spec) return spec.connectionId;
  if ('sealed' in spec) return spec.key;
  return opaqueId('url', connectionIdentity(spec), keys);
}

/** Every key a job on this connection may carry (one per loaded sealing key): for lookups across a key rotation. */
export function connectionKeys(spec: Spec, keys: CodecKeys): string[] {
  if ('connectionId' in spec) return [spec.connectionId];
  if ('sealed' in spec) return [spec.key];
  return opaqueIds('url', connectionIdentity(spec), keys);
}
