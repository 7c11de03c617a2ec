import { checkSchedule, scheduleIdProblem, SluiceClient } from '@sluice/client';
import { asUsage } from '../options';
import { UsageError } from '../connection-arg';
import { NoTemporalServerError, runningTemporalTarget } from '../embedded';
import { printJson } from '../output';
import { syncInput, type SyncCommandOptions } from './sync';

/** Schedules must live on a server that outlives the command. */
async function withServerClient<T>(fn: (client: SluiceClient) => Promise<T>): Promise<T> {
  const target = await runningTemporalTarget();
  if (!target) throw new NoTemporalServerError('schedules (they live on a server that stays up)');
  const client = await SluiceClient.connect({ temporal: target.settings });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** The CLI's names for a schedule's fields. */
export const SCHEDULE_OPTIONS: Record<string, string> = { id: '<name>', cron: '--cron', timezone: '--timezone' };

/** A schedule name argument (delete, trigger), refused before anything connects. */
function scheduleName(id: string): string {
  const problem = scheduleIdProblem(id);
  if (problem) throw new UsageError(`<name>: ${problem}`);
  return id;
}

export async function scheduleCreateCommand(
  id: string,
  source: string,
  destination: string,
  o: SyncCommandOptions & { cron: string; timezone?: string },
): Promise<number> {
  asUsage(SCHEDULE_OPTIONS, () => checkSchedule(id, { cron: o.cron, timezone: o.timezone }));
  const input = syncInput(source, destination, o);
  return withServerClient(async (client) => {
    await client.createSchedule(id, input, { cron: o.cron, timezone: o.timezone });
    process.stdout.write(`${id}\n`);
    return 0;
  });
}

export async function scheduleListCommand(o: { json?: boolean }): Promise<number> {
  return withServerClient(async (client) => {
    const schedules = await client.listSchedules();
    if (o.json) printJson(schedules);
    else if (!schedules.length) process.stdout.write('no schedules\n');
    else for (const s of schedules) process.stdout.write(`${s.id}  cron "${s.cron}" ${s.timezone ?? ''}  next ${s.nextRuns[0] ?? '-'}${s.paused ? '  (paused)' : ''}\n`);
    return 0;
  });
}

export async function scheduleDeleteCommand(id: string): Promise<number> {
  scheduleName(id);
  return withServerClient(async (client) => {
    await client.deleteSchedule(id);
    process.stderr.write(`sluice: schedule ${id} deleted\n`);
    return 0;
  });
}

export async function scheduleTriggerCommand(id: string): Promise<number> {
  scheduleName(id);
  return withServerClient(async (client) => {
    await client.triggerSchedule(id);
    process.stderr.write(`sluice: schedule ${id} triggered\n`);
    return 0;
  });
}
