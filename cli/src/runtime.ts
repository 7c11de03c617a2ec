import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/** Routes the SDK's logs to stderr at `level`, so stdout stays clean for --json. */
export function installQuietRuntime(level: LogLevel = 'ERROR'): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
      process.stderr.write(`[${l}] ${message}${meta && Object.keys(meta).length ? ' ' + JSON.stringify(meta) : ''}\n`);
    }),
    // The native core prints its own logs to stdout unless forwarded: a WARN there broke `--json`.
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  });
}
