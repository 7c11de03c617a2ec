/**
 * The answer of a connection test: the Syntho `ApplicationMessage`
 * (code, title, body, kind, details), as returned by
 * `POST /api/v1/database_connections/test/`.
 */
export type MessageKind = 'success' | 'error' | 'warning' | 'info';

export interface ApplicationMessage {
  code: string;
  title: string;
  body: string;
  kind: MessageKind;
  /** Syntho shape: every detail is a list of strings. */
  details: Record<string, string[]>;
}

/** Stable codes of a connection test, one per cause. */
export const TestCode = {
  OK: 'CONNECTION_OK',
  AUTHENTICATION_FAILED: 'AUTHENTICATION_FAILED',
  HOST_UNREACHABLE: 'HOST_UNREACHABLE',
  DATABASE_NOT_FOUND: 'DATABASE_NOT_FOUND',
  TLS_ERROR: 'TLS_ERROR',
  TIMEOUT: 'TIMEOUT',
  INVALID_CONFIG: 'INVALID_CONFIG',
  UNSUPPORTED_CONNECTOR: 'UNSUPPORTED_CONNECTOR',
  DRIVER_ERROR: 'DRIVER_ERROR',
  /** The connector's native driver is not installed on this worker (e.g. DB2's ibm_db binding / IBM CLI driver). */
  DRIVER_NOT_INSTALLED: 'DRIVER_NOT_INSTALLED',
  /** A batch's checkpoint fence failed: another attempt moved the stored state (the batch rolled back). */
  CHECKPOINT_CONFLICT: 'CHECKPOINT_CONFLICT',
} as const;
export type TestCode = (typeof TestCode)[keyof typeof TestCode];

const TITLES: Record<TestCode, string> = {
  CONNECTION_OK: 'Connection successful',
  AUTHENTICATION_FAILED: 'Authentication failed',
  HOST_UNREACHABLE: 'Host unreachable',
  DATABASE_NOT_FOUND: 'Database not found',
  TLS_ERROR: 'TLS error',
  TIMEOUT: 'Connection timed out',
  INVALID_CONFIG: 'Invalid connection configuration',
  UNSUPPORTED_CONNECTOR: 'Unsupported connector',
  DRIVER_ERROR: 'Connection failed',
  DRIVER_NOT_INSTALLED: 'Driver not installed',
  CHECKPOINT_CONFLICT: 'Checkpoint moved by another attempt',
};

export function applicationMessage(
  code: TestCode,
  body: string,
  details: Record<string, string[]> = {},
): ApplicationMessage {
  return { code, title: TITLES[code], body, kind: code === TestCode.OK ? 'success' : 'error', details };
}
