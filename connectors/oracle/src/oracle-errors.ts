import { ConnectorError, TestCode, redact } from '@sluice/connector-sdk';

/*
 * node-oracledb errors carry `code` (`ORA-01017`, `NJS-503`, …) and, for
 * database errors, `errorNum`. The NJS numbers are those of
 * node_modules/oracledb/lib/errors.js (thin mode's Oracle Net layer is
 * NJS-500…NJS-538); socket causes (ECONNREFUSED, …) only appear in the text.
 */

/** Logon refused: bad credentials, locked or expired account, no CREATE SESSION. */
const AUTH = new Set([1017, 1004, 1005, 1045, 28000, 28001, 28009, 28040, 28273]);
/** The listener does not know the service or SID (also thin's NJS-518 / NJS-519). */
const NOT_FOUND = new Set([12514, 12505, 12154, 12504]);
/** No listener, no route, name not resolved. */
const UNREACHABLE_ORA = new Set([12541, 12545, 12543, 12560, 12537, 12547]);
/** Connect or call timeouts. */
const TIMEOUT_ORA = new Set([12170, 12535, 12609, 3136]);
/** Transient: deadlock, busy resource, serialization, lost or killed session, instance starting/stopping, listener out of handlers. */
const RETRYABLE_ORA = new Set([
  60, 54, 51, 30006, 8177, 3113, 3114, 3135, 28, 31, 1012, 1033, 1034, 1089, 1090, 1092, 12516, 12518, 12519, 12520, 12521, 12526, 12528,
  12529, 25408, 4068, 1013,
]);

const NJS_UNREACHABLE = new Set(['NJS-500', 'NJS-501', 'NJS-503', 'NJS-504', 'NJS-511', 'NJS-521', 'NJS-530']);
const NJS_TLS = new Set(['NJS-505', 'NJS-506', 'NJS-507', 'NJS-508']);
const NJS_TIMEOUT = new Set(['NJS-510', 'NJS-123', 'NJS-040']);
const NJS_NOT_FOUND = new Set(['NJS-518', 'NJS-519']);
const SOCKET_UNREACHABLE = /\b(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EADDRNOTAVAIL|ECONNRESET|EPIPE)\b/;

/** The ORA number of a node-oracledb error (also when only the text names it, e.g. inside NJS-511's cause). */
export function oraNumber(err: unknown): number | null {
  const e = err as { errorNum?: number; code?: string; message?: string };
  if (typeof e?.errorNum === 'number' && e.errorNum > 0) return e.errorNum;
  const m = /ORA-(\d{5})/.exec(`${e?.code ?? ''} ${e?.message ?? ''}`);
  return m ? Number(m[1]) : null;
}

/** Sorts a node-oracledb or socket error into a stable code, once, at the connector edge. */
export function classifyOracleError(err: unknown, secrets: readonly string[] = []): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = err as { code?: string; message?: string };
  // Thin mode appends a help URL to every database error: keep the first lines.
  const message = redact(String(e?.message ?? err).replace(/\nHelp: https:\/\/docs\.oracle\.com\S*/g, '').trim(), secrets);
  const code = typeof e?.code === 'string' ? e.code : '';
  const ora = code.startsWith('NJS-') ? (code === 'NJS-511' ? oraNumber(err) : null) : oraNumber(err);

  if (ora !== null && AUTH.has(ora)) return new ConnectorError(TestCode.AUTHENTICATION_FAILED, message, false);
  if (NJS_NOT_FOUND.has(code) || (ora !== null && NOT_FOUND.has(ora))) return new ConnectorError(TestCode.DATABASE_NOT_FOUND, message, false);
  if (NJS_TLS.has(code)) return new ConnectorError(TestCode.TLS_ERROR, message, false);
  if (NJS_TIMEOUT.has(code) || (ora !== null && TIMEOUT_ORA.has(ora)) || code === 'ETIMEDOUT') {
    return new ConnectorError(TestCode.TIMEOUT, message, true);
  }
  if (code === 'NJS-511' && ora !== null && RETRYABLE_ORA.has(ora)) return new ConnectorError(TestCode.DRIVER_ERROR, message, true);
  if (NJS_UNREACHABLE.has(code) || (ora !== null && UNREACHABLE_ORA.has(ora)) || (!ora && SOCKET_UNREACHABLE.test(`${code} ${message}`))) {
    return new ConnectorError(TestCode.HOST_UNREACHABLE, message, true);
  }
  return new ConnectorError(TestCode.DRIVER_ERROR, message, ora !== null && RETRYABLE_ORA.has(ora));
}
