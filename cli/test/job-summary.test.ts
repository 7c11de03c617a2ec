import type { SyncJob, TableProgress } from '@sluice/client';
import { jobSummary } from '../src/wait-job';

const table = (over: Partial<TableProgress>): TableProgress =>
  ({ table: 's.t', state: 'COMPLETED', rowsRead: 0, rowsWritten: 0, rowEstimate: null, message: null, ...over }) as TableProgress;

test('a sync for people: an aligned row per table, numbers to the right, warnings and errors under their table', () => {
  const job = {
    id: 'sync-x', type: 'SYNC', state: 'ERROR', progressPercentage: 60, startDate: '2026-12-02T12:00:00.000Z', endDate: '2026-12-02T12:00:10.000Z',
    message: 'Table public.orders: out of range', tablesDone: 1, tablesTotal: 2, rowsRead: 1_200_000, rowsWritten: 1_000_500,
    tables: [
      table({ table: 'public.customers', rowsRead: 1_000_000, rowsWritten: 1_000_000, verification: { method: 'count' } as never, warnings: ['column at: timestamptz → DATETIME(6), held in UTC without its time zone'] }),
      table({ table: 'public.orders', state: 'ERROR', rowsRead: 200_000, rowsWritten: 500, message: 'out of range' }),
    ],
    skipped: [{ object: 'view public.v', reason: 'views are recreated between servers of the same engine only' }],
    rowsPerSecond: 100_050, elapsedSeconds: 10,
  } as unknown as SyncJob;
  expect(jobSummary(job).split('\n')).toEqual([
    'sync-x: ERROR — Table public.orders: out of range',
    '  TABLE             STATE           READ    WRITTEN  VERIFIED',
    '  public.customers  COMPLETED  1,000,000  1,000,000  count',
    '    warning: column at: timestamptz → DATETIME(6), held in UTC without its time zone',
    '  public.orders     ERROR        200,000        500  -',
    '    error: out of range',
    '  not carried: view public.v — views are recreated between servers of the same engine only',
    '  1,000,500 rows written in 10s, 100,050 rows/s',
  ]);
});

test('other jobs: state, message, type and dates', () => {
  const job = { id: 'refresh-x', type: 'REFRESH_SCHEMA', state: 'COMPLETED', progressPercentage: 100, startDate: 'a', endDate: 'b', message: '3 table(s)' };
  expect(jobSummary(job as never)).toBe('refresh-x: COMPLETED — 3 table(s)\n  REFRESH_SCHEMA, started a, ended b');
});
