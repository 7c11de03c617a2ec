import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as NodeTlsOptions, type PeerCertificate } from 'node:tls';
import type { TLSConfig } from '@temporalio/client';
import { z } from 'zod';

/**
 * How every Sluice process reaches Temporal — worker, CLI, client — from the
 * same variables, read by one function:
 *
 * | variable | meaning |
 * | --- | --- |
 * | TEMPORAL_ADDRESS | host:port of the frontend (default localhost:7233) |
 * | TEMPORAL_NAMESPACE | namespace (default `default`) |
 * | TEMPORAL_API_KEY | API key (Temporal Cloud); turns TLS on unless TEMPORAL_TLS=false |
 * | TEMPORAL_TLS | true/false; on by itself when any TLS file, server name or API key is set |
 * | TEMPORAL_TLS_CA | PEM file (or PEM text) of the CA that signed the server's certificate; else the system's CAs |
 * | TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY | client certificate and key (mTLS), both or neither |
 * | TEMPORAL_TLS_SERVER_NAME | name to check the server's certificate against (and SNI) instead of the address's host |
 *
 * The result fits both `Connection.connect` (@temporalio/client) and
 * `NativeConnection.connect` (@temporalio/worker): pass `{ address, tls, apiKey }`.
 */
export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  /** Undefined: plaintext. */
  tls?: TLSConfig;
  apiKey?: string;
}

/** A TEMPORAL_* variable that cannot be used; the message names it. */
export class TemporalConfigError extends Error {
  override readonly name = 'TemporalConfigError';
  constructor(
    message: string,
    /** The variables at fault. */
    readonly variables: string[],
  ) {
    super(message);
  }
}

/** Connecting to Temporal failed; the message says why in words and which variable to change. */
export class TemporalConnectError extends Error {
  override readonly name = 'TemporalConnectError';
  constructor(
    message: string,
    readonly reason: ConnectFailureReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type ConnectFailureReason =
  | 'UNTRUSTED_CERTIFICATE'
  | 'NAME_MISMATCH'
  | 'CERTIFICATE_EXPIRED'
  | 'SERVER_NOT_TLS'
  | 'SERVER_WANTS_TLS'
  | 'CLIENT_CERTIFICATE_REQUIRED'
  | 'CLIENT_CERTIFICATE_REFUSED'
  | 'CONNECTION_REFUSED'
  | 'HOST_NOT_FOUND';

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** Unset and empty (`TEMPORAL_API_KEY=` in a compose file) are the same. */
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const pem = (kind: 'certificate' | 'private key') =>
  z.string().transform((value, ctx): Buffer => {
    let text: string;
    let what: string;
    if (value.trimStart().startsWith('-----BEGIN')) {
      text = value;
      what = 'the PEM text';
    } else {
      try {
        text = readFileSync(value, 'utf8');
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `cannot read ${value}: ${fileErrorWords(err)}` });
        return z.NEVER;
      }
      what = value;
    }
    const marker = kind === 'certificate' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
    if (!marker.test(text)) {
      ctx.addIssue({ code: 'custom', message: `${what} holds no PEM ${kind} (expected a "-----BEGIN ${kind === 'certificate' ? 'CERTIFICATE' : 'PRIVATE KEY'}-----" block)` });
      return z.NEVER;
    }
    return Buffer.from(text);
  });

const envSchema = z
  .object({
    TEMPORAL_ADDRESS: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined),
      z
        .string()
        .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):\d{1,5}$/, 'expected host:port, e.g. temporal.example.com:7233 (no scheme, no path)')
        .default('localhost:7233'),
    ),
    TEMPORAL_NAMESPACE: z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined), z.string().default('default')),
    TEMPORAL_API_KEY: optional(z.string()),
    TEMPORAL_TLS: optional(
      z
        .string()
        .transform((v) => v.trim().toLowerCase())
        .refine((v) => TRUE.includes(v) || FALSE.includes(v), 'expected true or false')
        .transform((v) => TRUE.includes(v)),
    ),
    TEMPORAL_TLS_CA: optional(pem('certificate')),
    TEMPORAL_TLS_CERT: optional(pem('certificate')),
    TEMPORAL_TLS_KEY: optional(pem('private key')),
    TEMPORAL_TLS_SERVER_NAME: optional(z.string().trim().regex(/^[^\s:/]+$/, 'expected a host name, e.g. temporal.example.com')),
  })
  .superRefine((v, ctx) => {
    if (v.TEMPORAL_TLS_CERT && !v.TEMPORAL_TLS_KEY) ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_KEY'], message: 'not set, but TEMPORAL_TLS_CERT is: give the client key too' });
    if (v.TEMPORAL_TLS_KEY && !v.TEMPORAL_TLS_CERT) ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_CERT'], message: 'not set, but TEMPORAL_TLS_KEY is: give the client certificate too' });
    if (v.TEMPORAL_TLS === false) {
      const tlsOnly = (['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_SERVER_NAME'] as const).filter((k) => v[k] !== undefined);
      if (tlsOnly.length) ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS'], message: `false, but ${tlsOnly.join(', ')} ${tlsOnly.length > 1 ? 'are' : 'is'} set: unset one or the other` });
    }
  });

/** The file each CA came from, for error messages: kept off the settings so they fit the SDK's option types, and keyed by the CA's bytes so copies of the settings keep it. */
const caFiles = new WeakMap<Uint8Array, string>();

/**
 * The Temporal connection settings from the environment (see
 * {@link TemporalConnectionSettings}), validated: throws
 * {@link TemporalConfigError} naming the variable, e.g.
 * "TEMPORAL_TLS_CA: cannot read /x: no such file".
 */
export function temporalConnectionOptions(env: NodeJS.ProcessEnv = process.env): TemporalConnectionSettings {
  const parsed = envSchema.safeParse({
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
    TEMPORAL_API_KEY: env.TEMPORAL_API_KEY,
    TEMPORAL_TLS: env.TEMPORAL_TLS,
    TEMPORAL_TLS_CA: env.TEMPORAL_TLS_CA,
    TEMPORAL_TLS_CERT: env.TEMPORAL_TLS_CERT,
    TEMPORAL_TLS_KEY: env.TEMPORAL_TLS_KEY,
    TEMPORAL_TLS_SERVER_NAME: env.TEMPORAL_TLS_SERVER_NAME,
  });
  if (!parsed.success) {
    const variables = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? 'TEMPORAL_*')))];
    const lines = parsed.error.issues.map((i) => `${String(i.path[0] ?? 'TEMPORAL_*')}: ${i.message}`);
    throw new TemporalConfigError(`Temporal connection settings: ${lines.join('; ')}`, variables);
  }
  const v = parsed.data;
  const tlsOn =
    v.TEMPORAL_TLS ?? Boolean(v.TEMPORAL_TLS_CA || v.TEMPORAL_TLS_CERT || v.TEMPORAL_TLS_SERVER_NAME || v.TEMPORAL_API_KEY);
  const tls: TLSConfig | undefined = tlsOn
    ? {
        ...(v.TEMPORAL_TLS_CA && { serverRootCACertificate: v.TEMPORAL_TLS_CA }),
        ...(v.TEMPORAL_TLS_CERT && v.TEMPORAL_TLS_KEY && { clientCertPair: { crt: v.TEMPORAL_TLS_CERT, key: v.TEMPORAL_TLS_KEY } }),
        ...(v.TEMPORAL_TLS_SERVER_NAME && { serverNameOverride: v.TEMPORAL_TLS_SERVER_NAME }),
      }
    : undefined;
  const settings: TemporalConnectionSettings = {
    address: v.TEMPORAL_ADDRESS,
    namespace: v.TEMPORAL_NAMESPACE,
    ...(tls && { tls }),
    ...(v.TEMPORAL_API_KEY && { apiKey: v.TEMPORAL_API_KEY }),
  };
  const ca = env.TEMPORAL_TLS_CA?.trim();
  if (v.TEMPORAL_TLS_CA && ca && !ca.startsWith('-----BEGIN')) caFiles.set(v.TEMPORAL_TLS_CA, ca);
  return settings;
}

/** Settings for a known plaintext server (an embedded dev server). */
export function plainTemporalSettings(address: string, namespace = 'default'): TemporalConnectionSettings {
  return { address, namespace };
}

/** `host` and `port` of a `host:port` or `[v6]:port` address. */
function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(i + 1)) };
}

/**
 * Turns a failed `Connection.connect` / `NativeConnection.connect` into an
 * error that says what failed (the server's certificate, its name, the CA,
 * TLS on one side only, the address) and which variable to set. The worker's
 * native connection names the TLS failure itself; the client's only says it
 * missed its deadline, so a TLS handshake with the same settings (Node's
 * OpenSSL, as the client uses) finds the cause. Returns `err` itself when
 * nothing more can be said.
 */
export async function explainTemporalConnectError(err: unknown, settings: TemporalConnectionSettings): Promise<unknown> {
  if (err instanceof TemporalConnectError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const found = classifyNativeMessage(raw, settings) ?? (await probe(settings));
  if (!found) return err;
  return new TemporalConnectError(words(found, settings), found.reason, { cause: err });
}

interface Finding {
  reason: ConnectFailureReason;
  /** For NAME_MISMATCH: the names the certificate holds. */
  presented?: string[];
  detail?: string;
}

/** The Rust core's (rustls/tonic) error texts. */
function classifyNativeMessage(raw: string, settings: TemporalConnectionSettings): Finding | undefined {
  const sentCert = Boolean(settings.tls?.clientCertPair);
  if (/AlertReceived\(CertificateRequired\)/.test(raw)) return { reason: 'CLIENT_CERTIFICATE_REQUIRED' };
  if (/AlertReceived\((UnknownCA|BadCertificate|CertificateUnknown|UnsupportedCertificate|CertificateRevoked|CertificateExpired)\)/.test(raw))
    return { reason: sentCert ? 'CLIENT_CERTIFICATE_REFUSED' : 'CLIENT_CERTIFICATE_REQUIRED' };
  if (/InvalidCertificate\((UnknownIssuer|BadSignature|UnhandledCriticalExtension|Other)/.test(raw)) return { reason: 'UNTRUSTED_CERTIFICATE' };
  if (/InvalidCertificate\(NotValidForName/.test(raw)) {
    const m = /presented: \[(.*?)\]\s*\}/.exec(raw);
    const presented = m ? [...m[1]!.matchAll(/(?:DnsName|IpAddress)\((?:\\*")?([^"\\)]+)/g)].map((x) => x[1]!) : undefined;
    return { reason: 'NAME_MISMATCH', presented };
  }
  if (/InvalidCertificate\((Expired|NotValidYet)/.test(raw)) return { reason: 'CERTIFICATE_EXPIRED' };
  if (settings.tls && /InvalidMessage|InvalidContentType|CorruptMessage/.test(raw)) return { reason: 'SERVER_NOT_TLS' };
  if (/ConnectionRefused|Connection refused|ECONNREFUSED/.test(raw)) return { reason: 'CONNECTION_REFUSED' };
  if (/failed to lookup address|Name or service not known|ENOTFOUND|No address associated/.test(raw)) return { reason: 'HOST_NOT_FOUND' };
  return undefined;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);

/**
 * One TLS handshake (or, with TLS off, a check whether the server speaks TLS)
 * with the settings' CA, client pair and server name, ALPN h2 as gRPC asks.
 * After the handshake it waits briefly: with TLS 1.3 a server refuses a
 * client certificate only after the client thinks the handshake is done.
 */
function probe(settings: TemporalConnectionSettings, timeoutMs = 3000): Promise<Finding | undefined> {
  const { host, port } = hostPort(settings.address);
  const t = settings.tls;
  const servername = t?.serverNameOverride ?? (isIP(host) ? undefined : host);
  const options: NodeTlsOptions = {
    host,
    port,
    ALPNProtocols: ['h2'],
    ...(servername && { servername }),
    ...(t?.serverRootCACertificate && { ca: Buffer.from(t.serverRootCACertificate) }),
    ...(t?.clientCertPair && { cert: Buffer.from(t.clientCertPair.crt), key: Buffer.from(t.clientCertPair.key) }),
    // With TLS off the question is only whether the other side speaks TLS at all.
    rejectUnauthorized: Boolean(t),
  };
  return new Promise((resolve) => {
    let settled = false;
    let socket: ReturnType<typeof tlsConnect> | undefined;
    const done = (finding: Finding | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve(finding);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    try {
      socket = tlsConnect(options, () => {
        if (!t) return done({ reason: 'SERVER_WANTS_TLS' });
        setTimeout(() => done(undefined), 300); // a TLS 1.3 server's verdict on our certificate comes now
      });
    } catch (err) {
      return done(undefined); // e.g. a key that does not match the certificate: the SDK's own error says it
    }
    socket.on('error', (err: NodeJS.ErrnoException & { cert?: PeerCertificate }) => done(classifyNodeError(err, settings)));
  });
}

function classifyNodeError(err: NodeJS.ErrnoException & { cert?: PeerCertificate }, settings: TemporalConnectionSettings): Finding | undefined {
  const code = err.code ?? '';
  const sentCert = Boolean(settings.tls?.clientCertPair);
  if (code === 'ECONNREFUSED') return { reason: 'CONNECTION_REFUSED' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { reason: 'HOST_NOT_FOUND' };
  if (!settings.tls) return undefined; // a plaintext server hung up on a TLS hello: nothing to add
  if (UNTRUSTED.has(code)) return { reason: 'UNTRUSTED_CERTIFICATE' };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const san = err.cert?.subjectaltname;
    return { reason: 'NAME_MISMATCH', presented: san ? san.split(/,\s*/).map((s) => s.replace(/^(DNS|IP Address):/, '')) : undefined };
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return { reason: 'CERTIFICATE_EXPIRED' };
  if (/CERTIFICATE_REQUIRED/.test(code)) return { reason: 'CLIENT_CERTIFICATE_REQUIRED' };
  if (/ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED)/.test(code))
    return { reason: sentCert ? 'CLIENT_CERTIFICATE_REFUSED' : 'CLIENT_CERTIFICATE_REQUIRED' };
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER_FAILURE|UNKNOWN_PROTOCOL|HTTP_REQUEST/.test(code) || /wrong version number|packet length too long/.test(err.message))
    return { reason: 'SERVER_NOT_TLS' };
  return undefined;
}

function words(f: Finding, s: TemporalConnectionSettings): string {
  const { host } = hostPort(s.address);
  const at = `the Temporal server at ${s.address}`;
  const caFile = s.tls?.serverRootCACertificate && caFiles.get(s.tls.serverRootCACertificate);
  switch (f.reason) {
    case 'UNTRUSTED_CERTIFICATE':
      return s.tls?.serverRootCACertificate
        ? `TLS: the certificate of ${at} is not signed by the CA in TEMPORAL_TLS_CA${caFile ? ` (${caFile})` : ''} — set TEMPORAL_TLS_CA to the CA that signed it`
        : `TLS: the certificate of ${at} is not signed by a CA we trust — set TEMPORAL_TLS_CA to the CA file that signed it`;
    case 'NAME_MISMATCH': {
      const expected = s.tls?.serverNameOverride ?? host;
      const holds = f.presented?.length ? `is for ${f.presented.join(', ')}` : 'does not hold that name';
      return s.tls?.serverNameOverride
        ? `TLS: the certificate of ${at} ${holds}, not "${expected}" (TEMPORAL_TLS_SERVER_NAME) — set TEMPORAL_TLS_SERVER_NAME to a name the certificate holds`
        : `TLS: the certificate of ${at} ${holds}, not "${expected}" — set TEMPORAL_TLS_SERVER_NAME to a name the certificate holds, or use that name in TEMPORAL_ADDRESS`;
    }
    case 'CERTIFICATE_EXPIRED':
      return `TLS: the certificate of ${at} has expired or is not valid yet — renew it on the server, or check this machine's clock`;
    case 'SERVER_NOT_TLS':
      return `TLS: ${at} does not speak TLS — check the port in TEMPORAL_ADDRESS, or set TEMPORAL_TLS=false (and unset TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT/KEY, TEMPORAL_TLS_SERVER_NAME) for a plaintext server`;
    case 'SERVER_WANTS_TLS':
      return `${at} speaks TLS but TLS is off — set TEMPORAL_TLS=true, and TEMPORAL_TLS_CA if a private CA signed its certificate`;
    case 'CLIENT_CERTIFICATE_REQUIRED':
      return `TLS: ${at} asks for a client certificate — set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY`;
    case 'CLIENT_CERTIFICATE_REFUSED':
      return `TLS: ${at} refused our client certificate (TEMPORAL_TLS_CERT) — it is not signed by a CA the server trusts, or has expired`;
    case 'CONNECTION_REFUSED':
      return `cannot reach Temporal at ${s.address}: connection refused — is the server running, and is TEMPORAL_ADDRESS right?`;
    case 'HOST_NOT_FOUND':
      return `cannot reach Temporal at ${s.address}: host ${host} not found — check TEMPORAL_ADDRESS`;
  }
}

function fileErrorWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
