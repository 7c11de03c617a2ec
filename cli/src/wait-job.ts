import { Format, Presets, SingleBar } from 'cli-progress';
import { RateWindow, type Job, type SluiceClient, type SyncJob } from '@sluice/client';
import { printJson } from './output';

/** Exit codes of a waited job: 0 COMPLETED, 1 ERROR, 130 CANCELED (as after Ctrl-C). */
export function exitCodeOf(job: Job): number {
  return job.state === 'COMPLETED' ? 0 : job.state === 'CANCELED' ? 130 : 1;
}

/**
 * Waits for a job: a progress bar on a terminal, progress lines otherwise
 * (both on stderr, so stdout holds only the result). Ctrl-C cancels the job
 * and keeps waiting until it is CANCELED.
 */
export async function waitAndReport(client: SluiceClient, id: string, options: { json?: boolean }): Promise<number> {
  const bar = process.stderr.isTTY
    ? new SingleBar(
        // (etaText, elapsedText: cli-progress's own {eta} and {duration} would time the percentage, not the rows.)
        { format: ' {bar} {percentage}% | {state} | {tables} tables | {rows} rows | {rate} | ETA {etaText} | {elapsedText}', barsize: 24, stream: process.stderr, hideCursor: true },
        Presets.shades_classic,
      )
    : null;
  bar?.start(100, 0, { state: 'WAITING', tables: '0/0', rows: 0, rate: '- rows/s', etaText: '-', elapsedText: '0s' });
  const window = new RateWindow();
  let lastLine = '';
  let cancelling = false;
  const onSigint = () => {
    if (cancelling) return;
    cancelling = true;
    // The bar redraws its line: stopped first, so that this message stays on screen above the summary.
    bar?.stop();
    process.stderr.write(`\nsluice: cancelling job ${id}; waiting for it to stop cleanly (Ctrl-C again does nothing)\n`);
    client.cancelJob(id).catch((err) => process.stderr.write(`sluice: cancel failed: ${String(err)}\n`));
  };
  process.on('SIGINT', onSigint);
  try {
    const job = await client.waitForJob<SyncJob>(id, (j) => {
      const tables = j.tablesTotal !== undefined ? `${j.tablesDone}/${j.tablesTotal}` : '-';
      const rows = j.rowsWritten ?? 0;
      const speed = window.add(j);
      const rate = `${speed.rowsPerSecond === null ? '-' : speed.rowsPerSecond.toLocaleString('en-US')} rows/s`;
      const eta = speed.etaSeconds === null ? '-' : duration(speed.etaSeconds);
      const elapsed = speed.elapsedSeconds === null ? '-' : duration(speed.elapsedSeconds);
      if (bar && cancelling) return;
      if (bar) bar.update(j.progressPercentage, { state: j.state, tables, rows: rows.toLocaleString('en-US'), rate, etaText: eta, elapsedText: elapsed });
      else {
        const line = `${j.state} ${j.progressPercentage}% tables ${tables} rows ${rows} ${rate} ETA ${eta}`;
        if (line !== lastLine) process.stderr.write(`${new Date().toISOString()} ${id} ${line}\n`);
        lastLine = line;
      }
    });
    bar?.stop();
    if (options.json) printJson(job);
    else process.stdout.write(jobSummary(job) + '\n');
    return exitCodeOf(job);
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', onSigint);
  }
}

/** 75 → "01m15s", as cli-progress writes its own times. */
function duration(seconds: number): string {
  return Format.TimeFormat(seconds, { autopaddingChar: '0' }, 1);
}

/** A job for people: its state and message; a sync's tables, what it created and skipped, its rate. */
export function jobSummary(job: Job): string {
  const lines = [`${job.id}: ${job.state}${job.message ? ` — ${job.message}` : ''}`];
  if (job.type !== 'SYNC') {
    lines.push(`  ${job.type}, started ${job.startDate ?? '-'}${job.endDate ? `, ended ${job.endDate}` : ''}`);
    return lines.join('\n');
  }
  return syncSummary(job as SyncJob, lines);
}

function syncSummary(job: SyncJob, lines: string[]): string {
  for (const t of job.tables ?? []) {
    const verified = t.verification ? `, verified by ${t.verification.method}` : '';
    lines.push(`  ${t.table}: ${t.state}, ${t.rowsRead} read, ${t.rowsWritten} written${verified}${t.message ? ` (${t.message})` : ''}`);
    for (const w of t.warnings ?? []) lines.push(`    warning: ${w}`);
  }
  for (const o of job.schemaObjects ?? []) lines.push(`  created: ${o}`);
  for (const x of job.skipped ?? []) lines.push(`  not carried: ${x.object} — ${x.reason}`);
  if (job.elapsedSeconds != null && job.rowsWritten !== undefined) {
    const rate = job.rowsPerSecond ? `, ${job.rowsPerSecond.toLocaleString('en-US')} rows/s` : '';
    lines.push(`  ${job.rowsWritten.toLocaleString('en-US')} rows written in ${duration(job.elapsedSeconds)}${rate}`);
  }
  return lines.join('\n');
}
