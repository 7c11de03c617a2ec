import { Format, MultiBar, Presets, type SingleBar } from 'cli-progress';
import { RateWindow, type SyncJob, type TableProgress } from '@sluice/client';

/** 75 → "01m15s", as cli-progress writes its own times. */
export function duration(seconds: number): string {
  return Format.TimeFormat(seconds, { autopaddingChar: '0' }, 1);
}

/** At most this many running tables get a line of their own under the job's bar. */
const TABLE_LINES = 8;

/**
 * How a waiting command shows a job on stderr: on a terminal, the job's bar (rows/s over the
 * last 10 s, ETA, elapsed) with a line per running table of a multi-table job; otherwise a
 * timestamped line whenever something changed. (etaText/elapsedText: cli-progress's own {eta}
 * and {duration} tokens would time the percentage, not the rows.)
 */
export class ProgressDisplay {
  private readonly bars: MultiBar | null;
  private readonly jobBar: SingleBar | null;
  private readonly tableBars = new Map<string, SingleBar>();
  private readonly window = new RateWindow();
  private lastLine = '';
  private stopped = false;

  constructor(
    private readonly id: string,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.bars = stream.isTTY
      ? new MultiBar(
          {
            format: ' {bar} {percentage}% | {state} | {tables} tables | {rows} rows | {rate} | ETA {etaText} | {elapsedText}',
            barsize: 24,
            stream,
            hideCursor: true,
            autopadding: true,
          },
          Presets.shades_classic,
        )
      : null;
    this.jobBar = this.bars?.create(100, 0, { state: 'WAITING', tables: '0/0', rows: '0', rate: '- rows/s', etaText: '-', elapsedText: '0s' }) ?? null;
  }

  show(job: SyncJob): void {
    if (this.stopped) return;
    const tables = job.tablesTotal !== undefined ? `${job.tablesDone}/${job.tablesTotal}` : '-';
    const rows = job.rowsWritten ?? 0;
    const speed = this.window.add(job);
    const rate = `${speed.rowsPerSecond === null ? '-' : speed.rowsPerSecond.toLocaleString('en-US')} rows/s`;
    const eta = speed.etaSeconds === null ? '-' : duration(speed.etaSeconds);
    const elapsed = speed.elapsedSeconds === null ? '-' : duration(speed.elapsedSeconds);
    if (!this.bars) {
      const line = `${job.state} ${job.progressPercentage}% tables ${tables} rows ${rows} ${rate} ETA ${eta}`;
      if (line !== this.lastLine) process.stderr.write(`${new Date().toISOString()} ${this.id} ${line}\n`);
      this.lastLine = line;
      return;
    }
    this.jobBar!.update(job.progressPercentage, { state: job.state, tables, rows: rows.toLocaleString('en-US'), rate, etaText: eta, elapsedText: elapsed });
    if ((job.tables?.length ?? 0) > 1) this.showTables(job.tables);
  }

  /** A line per running table (up to TABLE_LINES), removed once the table has ended. */
  private showTables(tables: TableProgress[]): void {
    const running = new Set(tables.filter((t) => t.state === 'RUNNING').slice(0, TABLE_LINES).map((t) => t.table));
    for (const [name, bar] of this.tableBars) {
      if (running.has(name)) continue;
      this.bars!.remove(bar);
      this.tableBars.delete(name);
    }
    for (const t of tables) {
      if (!running.has(t.table)) continue;
      const percent = t.rowEstimate ? Math.min(99, Math.floor((t.rowsWritten / t.rowEstimate) * 100)) : 0;
      const payload = { table: t.table, rows: t.rowsWritten.toLocaleString('en-US'), of: t.rowEstimate ? ` of ~${t.rowEstimate.toLocaleString('en-US')}` : '' };
      const bar = this.tableBars.get(t.table);
      if (bar) bar.update(percent, payload);
      else this.tableBars.set(t.table, this.bars!.create(100, percent, payload, { format: '   {bar} {percentage}% | {table}: {rows}{of} rows' }));
    }
  }

  /** Stops redrawing (before the summary, or before a message that must stay on screen). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bars?.stop();
  }
}
