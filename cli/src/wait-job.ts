import type { Job, SluiceClient, SyncJob } from '@sluice/client';
import { printJson } from './output';
import { duration, ProgressDisplay } from './progress-display';

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
  const display = new ProgressDisplay(id);
  let cancelling = false;
  const onSigint = () => {
    if (cancelling) return;
    cancelling = true;
    // The bars redraw their lines: stopped first, so that this message stays on screen above the summary.
    display.stop();
    process.stderr.write(`\nsluice: cancelling job ${id}; waiting for it to stop cleanly (Ctrl-C again does nothing)\n`);
    client.cancelJob(id).catch((err) => process.stderr.write(`sluice: cancel failed: ${String(err)}\n`));
  };
  process.on('SIGINT', onSigint);
  try {
    const job = await client.waitForJob<SyncJob>(id, (j) => display.show(j));
    display.stop();
    if (options.json) printJson(job);
    else process.stdout.write(jobSummary(job) + '\n');
    return exitCodeOf(job);
  } finally {
    display.stop();
    process.removeListener('SIGINT', onSigint);
  }
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
  const tables = job.tables ?? [];
  if (tables.length) {
    // One aligned row per table (numbers to the right), its warnings and error under it.
    const n = (v: number) => v.toLocaleString('en-US');
    const rows = [['TABLE', 'STATE', 'READ', 'WRITTEN', 'VERIFIED'], ...tables.map((t) => [t.table, t.state, n(t.rowsRead), n(t.rowsWritten), t.verification?.method ?? '-'])];
    const width = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    const line = (r: string[]) => '  ' + r.map((cell, c) => (c === 2 || c === 3 ? cell.padStart(width[c]!) : cell.padEnd(width[c]!))).join('  ').trimEnd();
    lines.push(line(rows[0]!));
    tables.forEach((t, i) => {
      lines.push(line(rows[i + 1]!));
      if (t.message) lines.push(`    ${t.state === 'ERROR' ? 'error' : 'note'}: ${t.message}`);
      for (const w of t.warnings ?? []) lines.push(`    warning: ${w}`);
    });
  }
  for (const o of job.schemaObjects ?? []) lines.push(`  created: ${o}`);
  for (const x of job.skipped ?? []) lines.push(`  not carried: ${x.object} — ${x.reason}`);
  if (job.elapsedSeconds != null && job.rowsWritten !== undefined) {
    const rate = job.rowsPerSecond ? `, ${job.rowsPerSecond.toLocaleString('en-US')} rows/s` : '';
    lines.push(`  ${job.rowsWritten.toLocaleString('en-US')} rows written in ${duration(job.elapsedSeconds)}${rate}`);
  }
  return lines.join('\n');
}
