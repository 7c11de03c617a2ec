import { ConnectorError, TestCode, redact } from '@sluice/connector-sdk';

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH)/;

/** Sorts a pg or socket error into a stable code, once, at the connector edge. */
export function classifyPostgresError(err: unknown, secrets: string[]): ConnectorError {
  const e = err as { code?: string; message?: string };
  const message = redact(e?.message ?? String(err), secrets);
  if (err instanceof ConnectorError) return err;
  const code = e?.code ?? '';
  if (code === '28P01' || code === '28000') return new ConnectorError(TestCode.AUTHENTICATION_FAILED, message, false);
  if (code === '3D000') return new ConnectorError(TestCode.DATABASE_NOT_FOUND, message, false);
  if (UNREACHABLE.has(code)) return new ConnectorError(TestCode.HOST_UNREACHABLE, message, true);
  // A SQLSTATE names the cause; only socket-level errors need their message read
  // (a SQL error about a column named `certificate` is no TLS problem).
  const sqlState = /^[0-9A-Z]{5}$/.test(code);
  if (code === 'ETIMEDOUT' || ((!sqlState || code === '57014') && /timeout/i.test(message))) {
    return new ConnectorError(TestCode.TIMEOUT, message, true);
  }
  if (TLS_CODES.test(code) || (!sqlState && /\bSSL\b|\bTLS\b|certificate/i.test(message))) {
    return new ConnectorError(TestCode.TLS_ERROR, message, false);
  }
  // Class 53 (insufficient resources), 57P0x (shutdown), 08xxx (connection exceptions),
  // serialization failures and deadlocks may pass.
  // pg's own words for a connection its server dropped (no SQLSTATE): a fresh session may well work.
  const lost = !sqlState && /Connection terminated|connection error and is not queryable|Client was closed and is not queryable/i.test(message);
  const retryable = /^(53|57P0|08|40001|40P01)/.test(code) || code === 'ECONNRESET' || code === 'EPIPE' || lost;
  return new ConnectorError(TestCode.DRIVER_ERROR, message, retryable);
}
