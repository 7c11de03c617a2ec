import { ConnectorError, TestCode, redact } from '@sluice/connector-sdk';

/**
 * An ibm_db error: `message` is the CLI's text (`[IBM][CLI Driver] SQL30082N
 * Security processing failed with reason "24" … SQLSTATE=08001`), with
 * `sqlcode` and `sqlstate` beside it when the CLI returned a diagnostic.
 */
interface Db2ErrorLike {
  message?: string;
  sqlcode?: number;
  sqlstate?: string;
}

/** SQLSTATEs a retry can cure: lost connection, deadlock / lock timeout, resources, client reroute. */
const RETRYABLE_STATES = new Set(['08001', '08003', '08S01', '40001', '40003', '57011', '57030', '57033', '57019', 'HYT00', '08506']);
/** -911 deadlock/timeout, -913 same without rollback, -30108 client reroute, -1224 agent ended, -30081 communication error. */
const RETRYABLE_CODES = new Set([-911, -913, -30108, -1224, -30081, -1229]);

/** The message number of a CLI message: `SQL30082N` → -30082 (the CLI's sqlcode), when the error has none. */
function codeOf(e: Db2ErrorLike): number {
  if (typeof e.sqlcode === 'number' && e.sqlcode !== 0) return e.sqlcode;
  const m = /\bSQL(\d{4,5})N\b/.exec(e.message ?? '');
  return m ? -Number(m[1]) : 0;
}

function stateOf(e: Db2ErrorLike): string {
  if (e.sqlstate && e.sqlstate !== '0') return e.sqlstate;
  return /SQLSTATE=(\w{5})/.exec(e.message ?? '')?.[1] ?? '';
}

/** The reason code of SQL30082N (`reason "24"`). */
function reasonOf(message: string): string | null {
  return /reason\s+"?(\d+)"?/i.exec(message)?.[1] ?? null;
}

/** Sorts an ibm_db / CLI error into a stable code, once, at the connector edge; secrets removed. */
export function classifyDb2Error(err: unknown, secrets: readonly string[] = []): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as Db2ErrorLike;
  const message = redact(String(e.message ?? err).replace(/\s+$/, '').replace(/\s*\r?\n\s*/g, ' '), secrets);
  const code = codeOf(e);
  const state = stateOf(e);
  const details = { sqlcode: [String(code)], sqlstate: [state] };
  const make = (c: TestCode, retryable: boolean) => new ConnectorError(c, message, retryable, details);

  // SQL30082N: security processing failed (reason 24: bad user or password; others: expired, revoked, …).
  if (code === -30082 || state === '28000') return make(TestCode.AUTHENTICATION_FAILED, false);
  // SQL1060N: the user has no CONNECT privilege on the database.
  if (code === -1060) return make(TestCode.AUTHENTICATION_FAILED, false);
  // SQL1013N: alias not in the catalog; SQL30061N: database not found at the server.
  if (code === -1013 || code === -30061 || state === '08004' && /SQL30061N/.test(message)) return make(TestCode.DATABASE_NOT_FOUND, false);
  if (state === 'HYT00' || state === 'HYT01') return make(TestCode.TIMEOUT, true);
  if (code === -30081 || /SQL30081N/.test(message) || /Connection not open/i.test(message)) {
    if (/GSKit|SSL|sqlccSSL/i.test(message)) return make(TestCode.TLS_ERROR, false);
    // Protocol code 110 (ETIMEDOUT) or the connect-timeout select: a timeout, not a refusal.
    if (/selectForConnectTimeout|"110"|timed? ?out/i.test(message)) return make(TestCode.TIMEOUT, true);
    return make(TestCode.HOST_UNREACHABLE, true);
  }
  if (/SQL10013N|GSKit/i.test(message)) return make(TestCode.TLS_ERROR, false);
  if (/timed? ?out|timeout/i.test(message) && !/lock/i.test(message)) return make(TestCode.TIMEOUT, true);
  return make(TestCode.DRIVER_ERROR, RETRYABLE_CODES.has(code) || RETRYABLE_STATES.has(state));
}

/** SQL0204N: the object does not exist. */
export function isUndefinedObject(err: unknown): boolean {
  const e = err as Db2ErrorLike & { details?: Record<string, string[]> };
  return codeOf(e) === -204 || e?.details?.sqlcode?.[0] === '-204' || /SQL0204N/.test(String(e?.message));
}

/** SQL0601N: the object to create already exists. */
export function isAlreadyExists(err: unknown): boolean {
  const e = err as Db2ErrorLike & { details?: Record<string, string[]> };
  return codeOf(e) === -601 || e?.details?.sqlcode?.[0] === '-601' || /SQL0601N/.test(String(e?.message));
}
