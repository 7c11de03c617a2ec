import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redact } from '@sluice/connector-sdk';

export type SluiceLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: SluiceLogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

/** `SLUICE_LOG_LEVEL` (trace, debug, info, warn, error, silent; any case), default info. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): SluiceLogLevel {
  const raw = env.SLUICE_LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'info';
  const level = raw === 'warning' ? 'warn' : raw;
  if (!LEVELS.includes(level as SluiceLogLevel)) throw new Error(`SLUICE_LOG_LEVEL must be one of ${LEVELS.join(', ')}, not '${env.SLUICE_LOG_LEVEL}'`);
  return level as SluiceLogLevel;
}

/** Fields whose values never reach a log line, at any of the first three levels of an object. */
const SECRET_FIELDS = ['password', 'passwd', 'secret', 'token', 'apiKey', 'api_key', 'url', 'uri', 'connectionString', 'authorization', 'taskToken', 'key', 'cert', 'passphrase'];
export const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);
const CENSOR = '[REDACTED]';

/** A copy of `value` whose strings have URL passwords masked (connector-sdk's `redact`), errors made plain. */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const plain: Record<string, unknown> = { type: value.name, message: redact(value.message) };
    if (value.stack) plain.stack = redact(value.stack);
    const cause = (value as { cause?: unknown }).cause;
    if (cause !== undefined) plain.cause = scrub(cause, depth + 1);
    const type = (value as { type?: unknown }).type;
    if (typeof type === 'string') plain.failureType = type;
    return plain;
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
  return out;
}

/**
 * The worker's logger: JSON lines on stderr (one object a line, pino's
 * format) when stderr is not a terminal, pino-pretty's coloured lines when it
 * is. Secrets are kept out twice: fields named like secrets are replaced
 * (pino's redact paths), and every string (message, error, field) has the
 * password of any URL in it masked.
 */
export function createLogger(options: { level?: SluiceLogLevel; pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  const level = options.level ?? logLevelFromEnv();
  const pretty = options.pretty ?? (process.stderr.isTTY === true && !options.destination);
  const config: LoggerOptions = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Errors are made plain (and scrubbed) by the hook below, under whatever name they come.
    serializers: { err: (v: unknown) => v, error: (v: unknown) => v },
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    hooks: {
      logMethod(args, method) {
        // Strings and merged objects alike (pino's own interpolation of '%s' is left unused).
        method.apply(this, args.map((a) => scrub(a)) as Parameters<typeof method>);
      },
    },
  };
  if (pretty) {
    // Loaded only on a terminal; synchronous, so no line is lost when the process exits.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const build = require('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
    return pino(config, build({ destination: 2, sync: true, colorize: !process.env.NO_COLOR, singleLine: true, ignore: 'pid,hostname' }));
  }
  return pino(config, options.destination ?? pino.destination({ fd: 2, sync: true }));
}

/** The Temporal SDK's Logger (its runtime, workers, workflow and activity loggers) writing into `logger`. */
export class TemporalPinoLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    const fields: Record<string, unknown> = { ...(meta ?? {}) };
    // The SDK stamps its lines with a nanosecond timestamp of its own; pino has `time`.
    delete fields.timestampNanos;
    if (typeof fields.activityType === 'string' && fields.activity === undefined) fields.activity = fields.activityType;
    (this.logger[method] ?? this.logger.info).call(this.logger, fields, message);
  }

  trace(message: string, meta?: LogMetadata): void { this.log('TRACE', message, meta); }
  debug(message: string, meta?: LogMetadata): void { this.log('DEBUG', message, meta); }
  info(message: string, meta?: LogMetadata): void { this.log('INFO', message, meta); }
  warn(message: string, meta?: LogMetadata): void { this.log('WARN', message, meta); }
  error(message: string, meta?: LogMetadata): void { this.log('ERROR', message, meta); }
}

/** The SDK's level for a Sluice level (`silent` keeps errors from the Temporal Core only). */
export function temporalLevel(level: SluiceLogLevel): LogLevel {
  return level === 'silent' ? 'ERROR' : (level.toUpperCase() as LogLevel);
}

/**
 * Adds `jobId`, `table` and `activity` to every log line of an activity (the
 * SDK's own attributes give `workflowId`, `attempt`, `activityType`…): a
 * sync's activities carry the job id as `runKey` and their table; a refresh's
 * activities run in the job's own workflow.
 */
export function logAttributesInterceptor(): ActivityInterceptorsFactory {
  return (ctx) => {
    const extra: Record<string, unknown> = { activity: ctx.info.activityType };
    return {
      inbound: {
        execute: (input, next) => {
          const arg = (input.args[0] ?? {}) as { runKey?: unknown; table?: { schema?: unknown; name?: unknown; destination?: { schema?: unknown; name?: unknown } } };
          extra.jobId = typeof arg.runKey === 'string' ? arg.runKey : ctx.info.workflowExecution?.workflowId;
          const table = arg.table?.destination ?? arg.table;
          if (table && typeof table.name === 'string') extra.table = typeof table.schema === 'string' && table.schema ? `${table.schema}.${table.name}` : table.name;
          return next(input);
        },
      },
      outbound: {
        getLogAttributes: (input, next) => next({ ...input, ...extra }),
      },
    };
  };
}
