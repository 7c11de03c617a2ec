import { ConnectorError, TestCode, redact } from '@sluice/connector-sdk';

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'ECONNRESET', 'EPIPE']);
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH|ERR_OSSL_)/;
/** Login failed; password expired / must change; account locked or disabled (18486–18488, 18470). */
const AUTH_NUMBERS = new Set([18456, 18452, 18486, 18487, 18488, 18470]);
/** Cannot open database; database does not exist; database is offline/restoring. */
const DATABASE_NUMBERS = new Set([4060, 911, 942, 40532]);
/**
 * Errors a retry may cure: deadlock victim, lock timeout, resource limits,
 * Azure throttling / failover, connection dropped.
 */
const RETRYABLE_NUMBERS = new Set([1205, 1222, 701, 802, 8645, 8651, 10928, 10929, 40197, 40501, 40613, 49918, 49919, 49920, 4221, 233, 10053, 10054, 10060]);
const RETRYABLE_CODES = new Set(['ESOCKET', 'ECONNCLOSED', 'ECONNRESET', 'ETIMEOUT', 'EPIPE']);

type DriverError = {
  code?: string;
  number?: number;
  message?: string;
  originalError?: DriverError;
  cause?: DriverError;
  precedingErrors?: DriverError[];
  errors?: DriverError[];
};

/** Walks mssql's `originalError`, tedious' `cause` and AggregateError's `errors`: the first defined field wins. */
function dig<K extends keyof DriverError>(err: DriverError | undefined, key: K, depth = 0): DriverError[K] | undefined {
  if (!err || typeof err !== 'object' || depth > 5) return undefined;
  return err[key] ?? dig(err.originalError, key, depth + 1) ?? dig(err.cause, key, depth + 1) ?? dig(err.errors?.[0], key, depth + 1);
}

/** Every code along the chain (mssql's and tedious' wrappers, the socket's or TLS error underneath). */
function codes(err: DriverError | undefined, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 5) return [];
  return [err.code ?? '', ...codes(err.originalError, depth + 1), ...codes(err.cause, depth + 1), ...codes(err.errors?.[0], depth + 1)].filter(Boolean);
}

/**
 * Sorts an mssql / tedious / socket error into a stable code, once, at the
 * connector edge. Login failures come as `ELOGIN` with the server's message
 * (tedious does not carry the number; the session records it from the
 * `errorMessage` token when it can): 18456 and other login numbers →
 * AUTHENTICATION_FAILED, 4060 "Cannot open database" → DATABASE_NOT_FOUND.
 */
export function classifyMssqlError(err: unknown, secrets: readonly string[] = []): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = err as DriverError;
  const message = redact(String(dig(e, 'message') ?? e?.message ?? err), secrets);
  const all = codes(e);
  const has = (code: string) => all.includes(code);
  const number = dig(e, 'number');
  const n = typeof number === 'number' ? number : Number(number);

  if (DATABASE_NUMBERS.has(n) || (has('ELOGIN') && /cannot open database|database .* does not exist/i.test(message))) {
    return new ConnectorError(TestCode.DATABASE_NOT_FOUND, message, false);
  }
  if (AUTH_NUMBERS.has(n) || has('ELOGIN') || has('EFEDAUTH')) return new ConnectorError(TestCode.AUTHENTICATION_FAILED, message, false);
  if (has('EENCRYPT') || all.some((c) => TLS_CODES.test(c)) || /\b(SSL|TLS)\b|certificate|self[- ]signed/i.test(message)) {
    return new ConnectorError(TestCode.TLS_ERROR, message, false);
  }
  if (all.some((c) => UNREACHABLE.has(c)) && !has('ETIMEOUT')) return new ConnectorError(TestCode.HOST_UNREACHABLE, message, true);
  if (has('ETIMEOUT') || has('ETIMEDOUT') || /timeout|timed out/i.test(message)) return new ConnectorError(TestCode.TIMEOUT, message, true);
  if (has('ESOCKET') || has('EINSTLOOKUP')) return new ConnectorError(TestCode.HOST_UNREACHABLE, message, true);
  const retryable = RETRYABLE_NUMBERS.has(n) || all.some((c) => RETRYABLE_CODES.has(c));
  const details: Record<string, string[]> = Number.isFinite(n) && n > 0 ? { error_number: [String(n)] } : {};
  return new ConnectorError(TestCode.DRIVER_ERROR, message, retryable, details);
}

/** The server's error number of a request error (e.g. 2714 "already exists"), or 0. */
export function errorNumber(err: unknown): number {
  if (err instanceof ConnectorError) return Number(err.details.error_number?.[0] ?? 0);
  const n = dig(err as DriverError, 'number');
  return typeof n === 'number' ? n : Number(n) || 0;
}
