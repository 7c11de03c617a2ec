import { ConnectorError, TestCode, redact } from '@sluice/connector-sdk';

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|HANDSHAKE_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH)/;
/** Errors a retry may cure: deadlock, lock wait timeout, lost or reset connections, too many connections, server shutdown. */
const RETRYABLE_ERRNO = new Set([1213, 1205, 2006, 2013, 1040, 1053, 1927, 4031]);
const RETRYABLE_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED', 'ER_CLIENT_INTERACTION_TIMEOUT',
]);

/** Sorts a mysql2 or socket error into a stable code, once, at the connector edge. */
export function classifyMysqlError(err: unknown, secrets: readonly string[] = []): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = err as { code?: string; errno?: number; message?: string; sqlMessage?: string };
  const message = redact(e?.sqlMessage ?? e?.message ?? String(err), secrets);
  const code = e?.code ?? '';
  const errno = e?.errno ?? 0;
  if (code === 'ER_ACCESS_DENIED_ERROR' || errno === 1045 || errno === 1698 || code === 'ER_NOT_SUPPORTED_AUTH_MODE') {
    return new ConnectorError(TestCode.AUTHENTICATION_FAILED, message, false);
  }
  if (code === 'ER_BAD_DB_ERROR' || errno === 1049) return new ConnectorError(TestCode.DATABASE_NOT_FOUND, message, false);
  // 1044: access denied to the database — the account authenticated but may not use it.
  if (errno === 1044) return new ConnectorError(TestCode.AUTHENTICATION_FAILED, message, false);
  if (UNREACHABLE.has(code)) return new ConnectorError(TestCode.HOST_UNREACHABLE, message, true);
  if (code === 'ETIMEDOUT' || code === 'PROTOCOL_SEQUENCE_TIMEOUT' || /connect ?timeout|timed out/i.test(message)) {
    return new ConnectorError(TestCode.TIMEOUT, message, true);
  }
  if (TLS_CODES.test(code) || code === 'HANDSHAKE_NO_SSL_SUPPORT' || /\bSSL\b|\bTLS\b|certificate|secure connection/i.test(message)) {
    return new ConnectorError(TestCode.TLS_ERROR, message, false);
  }
  // A fatal error ends the connection, not the request (a reset, a kill, "Can't add new command when connection
  // is in closed state"): a fresh connection may succeed. Not a packet the server refuses as too large (1153).
  const lostConnection = (e as { fatal?: boolean })?.fatal === true && errno !== 1153 && code !== 'ER_NET_PACKET_TOO_LARGE';
  const retryable = RETRYABLE_ERRNO.has(errno) || RETRYABLE_CODES.has(code) || lostConnection || /connection is in closed state|in closed state/i.test(message);
  return new ConnectorError(TestCode.DRIVER_ERROR, message, retryable);
}
