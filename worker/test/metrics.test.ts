import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { SessionCache } from '@sluice/activities';
import { WorkerMetrics, causeOf, mergedMetrics } from '../src/metrics';

/** The value of one sample line (`name{labels} value`), NaN when absent. */
function sample(text: string, line: string): number {
  const m = text.split('\n').find((l) => l.startsWith(line + ' '));
  return m ? Number(m.slice(line.length + 1)) : NaN;
}

const execute = (metrics: WorkerMetrics, args: unknown[], fn: () => Promise<unknown>) =>
  metrics.interceptor()({} as never).inbound!.execute!({ args, headers: {} }, () => fn());

test('rows and batches count per engine pair', async () => {
  const m = new WorkerMetrics();
  m.rowsRead({ source: 'mysql', destination: 'postgresql' }, 500);
  m.batchCommitted({ source: 'mysql', destination: 'postgresql' }, 500, 0.02);
  m.batchCommitted({ source: 'postgresql', destination: 'postgresql' }, 10, 0.3, 4096);
  const text = await m.text();
  expect(sample(text, 'sluice_rows_read_total{source="mysql",destination="postgresql"}')).toBe(500);
  expect(sample(text, 'sluice_rows_written_total{source="mysql",destination="postgresql"}')).toBe(500);
  expect(sample(text, 'sluice_rows_written_total{source="postgresql",destination="postgresql"}')).toBe(10);
  expect(sample(text, 'sluice_bytes_written_total{source="postgresql",destination="postgresql"}')).toBe(4096);
  expect(sample(text, 'sluice_batch_commit_seconds_bucket{le="0.025",source="mysql",destination="postgresql"}')).toBe(1);
  expect(sample(text, 'sluice_batch_commit_seconds_count{source="postgresql",destination="postgresql"}')).toBe(1);
  expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
});

test('running activities are counted by type, job and table, and retryable failures by cause', async () => {
  const m = new WorkerMetrics();
  const env = new MockActivityEnvironment({ activityType: 'copyChunk', workflowExecution: { workflowId: 'sync-table-1-a', runId: 'r' } });
  let during = '';
  await env.run(() => execute(m, [{ runKey: 'job-1' }], async () => (during = await m.text())));
  expect(sample(during, 'sluice_active_activities{activity="copyChunk"}')).toBe(1);
  expect(sample(during, 'sluice_active_lanes')).toBe(1);
  expect(sample(during, 'sluice_active_jobs')).toBe(1);
  expect(sample(during, 'sluice_active_tables')).toBe(1);
  const after = await m.text();
  expect(sample(after, 'sluice_active_lanes')).toBe(0);
  expect(sample(after, 'sluice_active_jobs')).toBe(0);
  expect(sample(after, 'sluice_active_tables')).toBe(0);

  const fail = (err: unknown) => env.run(() => execute(m, [{ runKey: 'job-1' }], async () => { throw err; })).catch(() => undefined);
  await fail(ApplicationFailure.retryable('reset', 'DRIVER_ERROR'));
  await fail(ApplicationFailure.retryable('reset', 'DRIVER_ERROR'));
  await fail(ApplicationFailure.nonRetryable('bad password', 'AUTH'));
  await fail(new Error('boom'));
  const retries = await m.text();
  expect(sample(retries, 'sluice_activity_retries_total{activity="copyChunk",cause="DRIVER_ERROR"}')).toBe(2);
  expect(sample(retries, 'sluice_activity_retries_total{activity="copyChunk",cause="Error"}')).toBe(1);
  expect(retries).not.toMatch(/cause="AUTH"/);
  expect(causeOf(ApplicationFailure.retryable('x', 'weird type!'))).toBe('weird_type_');
});

test('the session cache size is read at scrape time', async () => {
  const m = new WorkerMetrics();
  const cache = new SessionCache(60_000);
  m.watchSessions(cache);
  const session = { close: async () => undefined } as never;
  await cache.give('k', {} as never, session);
  await cache.give('k', {} as never, session);
  expect(sample(await m.text(), 'sluice_session_cache_size')).toBe(2);
  await cache.closeIdle();
  expect(sample(await m.text(), 'sluice_session_cache_size')).toBe(0);
});

test('/metrics still answers when the Temporal runtime exporter does not', async () => {
  const m = new WorkerMetrics();
  const { body, contentType } = await mergedMetrics(m, 'http://127.0.0.1:1/metrics')();
  expect(contentType).toMatch(/^text\/plain/);
  expect(body).toMatch(/^# TYPE sluice_rows_written_total counter$/m);
  expect(body).toMatch(/Temporal runtime metrics exporter did not answer/);
});
