/**
 * The last line of defence of a worker process: a database driver's event that nobody listened
 * to (an idle pg client's 'error' when its server restarts, a socket reset) would otherwise reach
 * the process as an uncaught exception and kill it, with every activity it runs. Connectors listen
 * for their clients' errors; what still slips through from a driver is logged here and survived
 * (the activity that used the connection fails on its own and retries on a fresh session).
 * Anything else is a bug: logged, and the process exits as Node would have.
 */
const DRIVER_FRAME = /[\\/]node_modules[\\/](?:pg|pg-pool|pg-protocol|pg-copy-streams|mysql2|mongodb|tedious|mssql|oracledb|ibm_db|ssh2)[\\/]/;
const NETWORK_CODES = new Set([
  'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'ENOTCONN',
  'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', '57P01', '57P02', '57P03', '08006', '08003', '08001',
]);

export function isDriverFault(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (/Connection terminated( unexpectedly)?|Connection lost|server closed the connection|socket hang up/i.test(err.message)) return true;
  return DRIVER_FRAME.test(err.stack ?? '');
}

let installed = false;

/** Installs the guard once per process (the standalone worker, `sluice dev`). */
export function installDriverFaultGuard(log: (line: string) => void = (line) => process.stderr.write(line + '\n')): void {
  if (installed) return;
  installed = true;
  const handle = (kind: string) => (err: unknown) => {
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (isDriverFault(err)) {
      log(`sluice worker: survived a database driver's ${kind} outside any activity (${text}); the activity using that connection retries on a fresh one`);
      return;
    }
    log(`sluice worker: ${kind}: ${err instanceof Error ? (err.stack ?? text) : text}`);
    process.exit(1);
  };
  process.on('uncaughtException', handle('uncaught exception'));
  process.on('unhandledRejection', handle('unhandled rejection'));
}
