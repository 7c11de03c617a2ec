import { z } from 'zod';
import { ConfigError, relationalConfigSchema, sslMode, sslPems, type Address, type RelationalConfig } from '@sluice/connector-sdk';
import type { PoolAttributes } from 'oracledb';
import { walletFor } from './oracle-tls';

/**
 * Syntho's CreateOracleConnector (port 1521, protocol `oracle+oracledb`)
 * plus Sluice's `sid`: `database` is a service name unless `sid` is true.
 * `sid` may also be given as the SID itself (the URL's `?sid=XE`): then it
 * becomes `database` (which must be empty or the same).
 */
const base = relationalConfigSchema({
  connectorType: 'OracleConnector',
  defaultPort: 1521,
  defaultProtocol: 'oracle+oracledb',
}).extend({
  /** Sluice's own: `database` names a SID (old-style instance name) rather than a service name. */
  sid: z.preprocess((v) => (v === null ? undefined : v), z.boolean().default(false)),
});

export const oracleConfigSchema = z.preprocess(normalizeSid, base);

export type OracleConfig = RelationalConfig & { sid: boolean };

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/** `sid: "XE"` (from `?sid=XE`) → `database: "XE", sid: true`; `"true"`/`"false"` → booleans. */
function normalizeSid(input: unknown): unknown {
  if (!input || typeof input !== 'object') return input;
  const c = input as Record<string, unknown>;
  if (typeof c.sid !== 'string') return input;
  const text = c.sid.trim();
  if (TRUE.has(text.toLowerCase())) return { ...c, sid: true };
  if (FALSE.has(text.toLowerCase())) return { ...c, sid: false };
  if (c.database && c.database !== text) {
    throw new ConfigError([{ field: 'sid', problem: `names SID ${text} but the database is ${String(c.database)}: give one (oracle://…/?sid=XE, or oracle://…/XE?sid=true)` }]);
  }
  return { ...c, database: text, sid: true };
}

/** Characters that would change the meaning of a connect descriptor `(KEY=value)`. */
const DESCRIPTOR_UNSAFE = /[()=\\"'\s]/;

/** `(DESCRIPTION=(ADDRESS=…)(CONNECT_DATA=(SERVICE_NAME=…)))`, or SID=. */
export function connectDescriptor(config: OracleConfig, address: Address, tls: boolean): string {
  const issues: { field: string; problem: string }[] = [];
  if (DESCRIPTOR_UNSAFE.test(address.host)) issues.push({ field: 'host', problem: 'must not contain spaces, quotes, parentheses, = or \\' });
  if (DESCRIPTOR_UNSAFE.test(config.database)) {
    issues.push({ field: 'database', problem: `a ${config.sid ? 'SID' : 'service name'} must not contain spaces, quotes, parentheses, = or \\` });
  }
  if (issues.length) throw new ConfigError(issues);
  return `(DESCRIPTION=(ADDRESS=(PROTOCOL=${tls ? 'TCPS' : 'TCP'})(HOST=${address.host})(PORT=${address.port}))` +
    `(CONNECT_DATA=(${config.sid ? 'SID' : 'SERVICE_NAME'}=${config.database})))`;
}

/** Whether the SSL hook asks for TLS (`prefer` tries it first; `withSsl` overrides for its fallback). */
export function usesTls(config: OracleConfig, withSsl?: boolean): boolean {
  if (withSsl !== undefined) return withSsl;
  return !['disable', 'allow'].includes(sslMode(config));
}

/**
 * node-oracledb connection options for a config (thin mode: no Oracle
 * client). `address` is where to connect when it is not the config's host
 * and port (an SSH tunnel's local end).
 *
 * TLS (the SSL hook) is Oracle's `tcps`: the listener's TLS port, usually
 * not 1521. Thin mode always verifies the server's certificate chain (there
 * is no "encrypt only"): `require` and `verify-ca` check the chain against
 * the hook's CA (or Node's root CAs), `verify-full` also the host name.
 */
export function toConnectOptions(config: OracleConfig, withSsl?: boolean, address: Address = config): PoolAttributes & { program: string } {
  rejectUnsupportedHooks(config);
  const tls = usesTls(config, withSsl);
  const mode = sslMode(config);
  const tunnelled = address.host !== config.host || address.port !== config.port;
  if (tls && mode === 'verify-full' && tunnelled) {
    throw new ConfigError([
      {
        field: 'hooks_params.SSL.ssl_mode',
        problem: 'verify-full cannot check the host name through an SSH tunnel (node-oracledb checks the certificate against the address it connects to, the tunnel\'s local end): use verify-ca',
      },
    ]);
  }
  const pems = tls ? sslPems(config) : {};
  if (tls && Boolean(pems.cert) !== Boolean(pems.key)) {
    throw new ConfigError([{ field: pems.cert ? 'hooks_params.SSL.key' : 'hooks_params.SSL.cert', problem: 'a client certificate needs both cert and key (PEM, unencrypted key)' }]);
  }
  const seconds = Math.max(1, Math.ceil(config.connect_timeout_ms / 1000));
  const wallet = tls ? walletFor(pems) : undefined;
  return {
    user: config.username,
    password: config.password,
    connectString: connectDescriptor(config, address, tls),
    connectTimeout: seconds,
    transportConnectTimeout: seconds,
    // TCP keepalive (minutes): long loads notice a dead peer.
    expireTime: 1,
    // V$SESSION.PROGRAM (with PROCESS = the worker's pid) tells Sluice's sessions apart.
    program: 'sluice',
    ...(tls ? { sslServerDNMatch: mode === 'verify-full' } : {}),
    ...(wallet ? { walletContent: wallet } : {}),
  };
}

function rejectUnsupportedHooks(config: OracleConfig): void {
  if (config.hooks_params?.Kerberos) {
    throw new ConfigError([
      {
        field: 'hooks_params.Kerberos',
        problem: 'not supported: node-oracledb thin mode has no Kerberos authentication (it needs thick mode and an Oracle client install); use password or TLS client-certificate authentication',
      },
    ]);
  }
}
