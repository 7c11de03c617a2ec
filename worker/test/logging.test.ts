import { Writable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createLogger, logAttributesInterceptor, logLevelFromEnv, TemporalPinoLogger } from '../src/logging';

/** A logger writing JSON lines into an array. */
function capture(level: Parameters<typeof createLogger>[0]['level'] = 'trace') {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { logger: createLogger({ level, pretty: false, destination }), lines, raw };
}

const tick = () => new Promise((r) => setImmediate(r));

test('SLUICE_LOG_LEVEL: default info, any case, a wrong one said', () => {
  expect(logLevelFromEnv({})).toBe('info');
  expect(logLevelFromEnv({ SLUICE_LOG_LEVEL: 'DEBUG' })).toBe('debug');
  expect(() => logLevelFromEnv({ SLUICE_LOG_LEVEL: 'loud' })).toThrow(/SLUICE_LOG_LEVEL must be one of .* not 'loud'/);
});

test('JSON lines with a level name; below the level nothing', async () => {
  const { logger, lines } = capture('warn');
  logger.info('quiet');
  logger.warn({ table: 'a.b' }, 'loud');
  await tick();
  expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'loud', table: 'a.b', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })]);
});

test('secrets: fields named like secrets, URL passwords in messages, fields and errors', async () => {
  const { logger, raw } = capture();
  const secret = 'S3cr-et!pw';
  logger.info({ config: { host: 'db', password: secret }, apiKey: secret, spec: { url: `postgres://u:${secret}@db/x` } }, 'fields');
  logger.warn(`connect failed for mysql://root:${secret}@db:3306/app`);
  logger.error({ detail: `see postgresql://u:${secret}@h/d` , err: new Error(`boom at postgres://u:${secret}@h/d`) }, 'error');
  new TemporalPinoLogger(logger).warn('Activity failed', { error: ApplicationFailure.retryable(`lost postgres://a:${secret}@h/d`, 'DRIVER_ERROR'), taskToken: 'dG9rZW4=' });
  await tick();
  const text = raw.join('\n');
  expect(raw).toHaveLength(4);
  expect(text).not.toContain(secret);
  expect(text).not.toContain('dG9rZW4=');
  expect(text).toContain('[REDACTED]');
  expect(text).toContain('mysql://root:*****@db:3306/app');
  expect(text).toContain('"err":{"type":"Error","message":"boom at postgres://u:*****@h/d"');
  expect(text).toContain('"host":"db"');
  expect(text).toContain('"failureType":"DRIVER_ERROR"');
});

test('the Temporal SDK logger: its levels and metadata, activityType also as activity', async () => {
  const { logger, lines } = capture('debug');
  const t = new TemporalPinoLogger(logger);
  t.info('Worker state changed', { sdkComponent: 'worker', taskQueue: 'q', state: 'RUNNING' });
  t.trace('dropped');
  t.log('DEBUG', 'Activity completed', { activityType: 'copyChunk', attempt: 2, timestampNanos: 1n });
  await tick();
  expect(lines).toEqual([
    expect.objectContaining({ level: 'info', msg: 'Worker state changed', state: 'RUNNING', sdkComponent: 'worker' }),
    expect.objectContaining({ level: 'debug', msg: 'Activity completed', activity: 'copyChunk', attempt: 2 }),
  ]);
  expect(lines[1]).not.toHaveProperty('timestampNanos');
});

test('activity log attributes: jobId from runKey, table, activity', async () => {
  const env = new MockActivityEnvironment({ activityType: 'copyChunk', workflowExecution: { workflowId: 'sync-table-x', runId: 'r' } });
  const { inbound, outbound } = logAttributesInterceptor()(env.context);
  await inbound!.execute!({ args: [{ runKey: 'job-7', table: { destination: { schema: 's', name: 't' } } }], headers: {} }, async () => undefined);
  expect(outbound!.getLogAttributes!({ attempt: 3 }, (a) => a)).toEqual({ attempt: 3, activity: 'copyChunk', jobId: 'job-7', table: 's.t' });
  const refresh = new MockActivityEnvironment({ activityType: 'refreshSchema', workflowExecution: { workflowId: 'refresh-1', runId: 'r' } });
  const r = logAttributesInterceptor()(refresh.context);
  await r.inbound!.execute!({ args: [{ connection: {} }], headers: {} }, async () => undefined);
  expect(r.outbound!.getLogAttributes!({}, (a) => a)).toEqual({ activity: 'refreshSchema', jobId: 'refresh-1' });
});
