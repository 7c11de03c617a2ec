import { PassThrough } from 'node:stream';
import type { SyncJob, TableProgress } from '@sluice/client';
import { ProgressDisplay } from '../src/progress-display';

/** A stream that says it is a terminal, 118 columns, keeping what was drawn (ANSI codes stripped). */
function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 118 }) as unknown as NodeJS.WriteStream;
  let out = '';
  stream.on('data', (d: Buffer) => (out += d.toString()));
  return { stream, text: () => out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') };
}

const table = (name: string, state: TableProgress['state'], rowsWritten: number, rowEstimate: number): TableProgress =>
  ({ table: name, state, rowsRead: rowsWritten, rowsWritten, rowEstimate, message: null }) as TableProgress;

function job(tables: TableProgress[]): SyncJob {
  const rowsWritten = tables.reduce((n, t) => n + t.rowsWritten, 0);
  return {
    id: 'sync-x', type: 'SYNC', state: 'RUNNING', progressPercentage: 40, startDate: '2026-12-02T12:00:00.000Z', endDate: null, message: null,
    tablesDone: tables.filter((t) => t.state === 'COMPLETED').length, tablesTotal: tables.length, rowsRead: rowsWritten, rowsWritten, tables,
  } as SyncJob;
}

test('a multi-table job on a terminal: the job bar with rows/s, ETA and elapsed, and a line per running table', async () => {
  const { stream, text } = terminal();
  const display = new ProgressDisplay('sync-x', stream);
  display.show(job([table('s.big', 'RUNNING', 40_000, 100_000), table('s.small', 'RUNNING', 1_000, 10_000), table('s.done', 'COMPLETED', 5_000, 5_000)]));
  display.stop();
  await new Promise((r) => setImmediate(r));
  const drawn = text();
  expect(drawn).toMatch(/40% \| RUNNING \| 1\/3 tables \| 46,000 rows \| [\d,]+ rows\/s \| ETA \S+ \| \S+/);
  expect(drawn).toContain('s.big: 40,000 of ~100,000 rows');
  expect(drawn).toContain('s.small: 1,000 of ~10,000 rows');
  expect(drawn).not.toContain('s.done:'); // ended tables leave the screen; the summary lists them
});

test('not a terminal: one timestamped line per change, nothing redrawn', () => {
  const written: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
  try {
    const stream = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    const display = new ProgressDisplay('sync-x', stream);
    const j = job([table('s.big', 'RUNNING', 40_000, 100_000)]);
    display.show(j);
    display.show(j);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ sync-x RUNNING 40% tables 0\/1 rows 40000 [\d,]+ rows\/s ETA \S+\n$/);
  } finally {
    spy.mockRestore();
  }
});
