import type { SyncJob, TableProgress } from '@sluice/workflows';
import { RateWindow, rowsRemaining, syncRate } from '../src/job-rate';

const table = (over: Partial<TableProgress>): TableProgress => ({
  table: 's.t', state: 'RUNNING', rowEstimate: null, message: null, rowsRead: 0, rowsWritten: 0, ...over,
} as TableProgress);

function job(over: Partial<SyncJob>): SyncJob {
  return {
    id: 'sync-x', type: 'SYNC', state: 'RUNNING', progressPercentage: 0, startDate: '2026-12-02T12:00:00.000Z', endDate: null, message: null,
    tablesDone: 0, tablesTotal: 2, rowsRead: 0, rowsWritten: 0, tables: [], ...over,
  };
}

const at = (iso: string) => Date.parse(iso);

test('rate since the start, and the ETA of the rows the estimates still expect', () => {
  const j = job({
    rowsWritten: 300_000,
    tables: [table({ state: 'COMPLETED', rowEstimate: 100_000, rowsWritten: 100_000 }), table({ rowEstimate: 1_000_000, rowsWritten: 200_000 })],
  });
  expect(rowsRemaining(j)).toBe(800_000);
  expect(syncRate(j, at('2026-12-02T12:01:00.000Z'))).toEqual({ rowsPerSecond: 5_000, etaSeconds: 160, elapsedSeconds: 60 });
});

test('no rate before a row is written; no ETA without estimates; none once ended', () => {
  expect(syncRate(job({ tables: [table({ rowEstimate: 10 })] }), at('2026-12-02T12:00:10.000Z'))).toEqual({ rowsPerSecond: null, etaSeconds: null, elapsedSeconds: 10 });
  expect(syncRate(job({ rowsWritten: 50, tables: [table({ rowsWritten: 50 })] }), at('2026-12-02T12:00:10.000Z')).etaSeconds).toBeNull();
  const ended = job({ state: 'COMPLETED', endDate: '2026-12-02T12:00:20.000Z', rowsWritten: 1_000, tables: [table({ state: 'COMPLETED', rowEstimate: 2_000, rowsWritten: 1_000 })] });
  expect(syncRate(ended, at('2026-12-02T13:00:00.000Z'))).toEqual({ rowsPerSecond: 50, etaSeconds: null, elapsedSeconds: 20 });
  expect(syncRate(job({ startDate: null }))).toEqual({ rowsPerSecond: null, etaSeconds: null, elapsedSeconds: null });
});

test('a window shows a job that slowed down, where the average since the start does not', () => {
  const w = new RateWindow(10_000);
  const t0 = at('2026-12-02T12:01:00.000Z');
  const running = (rows: number) => job({ rowsWritten: rows, tables: [table({ rowEstimate: 2_000_000, rowsWritten: rows })] });
  w.add(running(600_000), t0); // 10,000 rows/s for the first minute
  for (let s = 1; s <= 20; s++) w.add(running(600_000 + s * 100), t0 + s * 1_000); // then 100 rows/s
  const now = w.add(running(602_100), t0 + 21_000);
  expect(now.rowsPerSecond).toBe(100);
  expect(now.etaSeconds).toBe(Math.ceil((2_000_000 - 602_100) / 100));
  expect(syncRate(running(602_100), t0 + 21_000).rowsPerSecond).toBeGreaterThan(7_000);
});
