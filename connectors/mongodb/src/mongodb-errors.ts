import { ConnectorError, TestCode, redact } from '@sluice/connector-sdk';

const UNREACHABLE = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EADDRNOTAVAIL|querySrv/;
/** Server error codes a retry may cure (network, elections, write conflicts, shutdown). */
const RETRYABLE_CODES = new Set([6, 7, 89, 91, 112, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/** Sorts a mongodb driver error into a stable code, once, at the connector edge. */
export function classifyMongoError(err: unknown, secrets: readonly string[] = []): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = err as { name?: string; code?: number | string; codeName?: string; message?: string; reason?: { servers?: Map<string, { error?: { message?: string } }> } };
  let text = e?.message ?? String(err);
  // Server selection errors hide the socket's reason in the topology description.
  const reasons: string[] = [];
  for (const server of e?.reason?.servers?.values?.() ?? []) if (server.error?.message) reasons.push(server.error.message);
  if (reasons.length && !reasons.every((r) => text.includes(r))) text = `${text} (${reasons.join('; ')})`;
  const message = redact(text, secrets);
  const code = typeof e?.code === 'number' ? e.code : 0;
  if (code === 18 || code === 11 || e?.codeName === 'AuthenticationFailed' || /Authentication failed|auth(entication)? mechanism/i.test(message)) {
    return new ConnectorError(TestCode.AUTHENTICATION_FAILED, message, false);
  }
  if (code === 13 || e?.codeName === 'Unauthorized') return new ConnectorError(TestCode.AUTHENTICATION_FAILED, message, false);
  if (UNREACHABLE.test(message)) return new ConnectorError(TestCode.HOST_UNREACHABLE, message, true);
  if (/certificate|\bTLS\b|\bSSL\b|self[- ]signed/i.test(message)) return new ConnectorError(TestCode.TLS_ERROR, message, false);
  if (e?.name === 'MongoServerSelectionError' || /timed out|ETIMEDOUT/i.test(message)) return new ConnectorError(TestCode.TIMEOUT, message, true);
  const network = e?.name === 'MongoNetworkError' || e?.name === 'MongoNetworkTimeoutError' || /ECONNRESET|EPIPE|closed/i.test(message);
  return new ConnectorError(TestCode.DRIVER_ERROR, message, network || RETRYABLE_CODES.has(code));
}
