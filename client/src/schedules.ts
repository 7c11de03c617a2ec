import { ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleSummary as TemporalScheduleSummary } from '@temporalio/client';
import { JobType, SearchAttributes, type SyncInput, type syncWorkflow } from '@sluice/workflows';
import { InvalidInputError, MAX_NAME } from './input';

export interface ScheduleSpec {
  /** Standard cron, e.g. `0 2 * * *` (every night at 02:00). */
  cron: string;
  /** IANA zone the cron is read in (default UTC). */
  timezone?: string;
  note?: string;
}

export interface ScheduleSummary {
  id: string;
  cron: string | null;
  timezone: string | null;
  nextRuns: string[];
  recentJobs: string[];
  paused: boolean;
  note: string | null;
}

/** What a schedule starts: a Sluice job workflow, with the search attributes every job carries. */
export interface ScheduledJob {
  workflowType: string;
  workflowId: string;
  args: unknown[];
  jobType: JobType;
  connectionIds: string[];
  /** Shown in the UI when the spec has no note of its own. */
  note: string;
}

const CRON_MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
interface CronField {
  name: string;
  min: number;
  max: number;
  /** Month or day names, the first meaning `first`. */
  names?: readonly string[];
  first?: number;
  /** L, W and # forms. */
  special?: RegExp;
}
const CRON_FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: /^(?:L|\d{1,2}W|LW)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS, first: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS, first: 0, special: /^(?:\d?L|\d#[1-5])$/ },
];

/** What is wrong with one field of a 5-field cron (lists, ranges, steps, month and day names), or null. */
function cronFieldProblem(value: string, f: CronField): string | null {
  const range = `${f.name} "${value}"`;
  for (const part of value.split(',')) {
    const [span, step, extra] = part.split('/');
    if (extra !== undefined || !span) return `${range}: "${part}" is not a cron value, range or step`;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1 && Number(step) <= f.max)) return `${range}: step "/${step}" must be 1 to ${f.max}`;
    if (span === '*' || span === '?') continue;
    if (f.special?.test(span.toUpperCase())) continue;
    const ends = span.split('-');
    if (ends.length > 2) return `${range}: "${span}" is not a range`;
    for (const end of ends) {
      const named = f.names ? f.names.indexOf(end.toUpperCase()) : -1;
      const n = named >= 0 ? named + (f.first ?? 0) : /^\d{1,2}$/.test(end) ? Number(end) : NaN;
      if (!(n >= f.min && n <= f.max)) return `${f.name} "${end}"${end !== value ? ` (in "${value}")` : ''} is out of range: ${f.min}–${f.max}${f.names ? ` or ${f.names[0]}–${f.names[f.names.length - 1]}` : ''}`;
    }
  }
  return null;
}

/**
 * What is wrong with a cron expression, or null. Standard cron only: five fields (minute hour
 * day-of-month month day-of-week) or a macro (@hourly, @daily, …), so a schedule fires at most
 * once a minute. Temporal also reads six and seven fields (seconds first, years last), which
 * turns "0 2 * * * * *" into every second, and `@every 5s`: both refused here.
 */
export function cronProblem(cron: string): string | null {
  if (typeof cron !== 'string' || cron.trim() === '') return 'cron: give 5 fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * *" for 02:00 every night, or @daily';
  if (cron.length > 200) return `cron: at most 200 characters; got ${cron.length}`;
  const fields = cron.trim().split(/\s+/);
  if (fields[0]!.startsWith('@')) {
    if (fields.length === 1 && CRON_MACROS.has(fields[0]!.toLowerCase())) return null;
    return `cron "${cron}": not a macro Sluice takes (@yearly, @monthly, @weekly, @daily, @hourly); schedules fire at most once a minute, give 5 fields for anything else`;
  }
  if (fields.length === 6 || fields.length === 7) {
    return `cron "${cron}": expected 5 fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * *"; got ${fields.length}, read as seconds first${fields.length === 7 ? ' and years last' : ''}: that fires up to every second, and schedules fire at most once a minute`;
  }
  if (fields.length !== 5) {
    return `cron "${cron}": expected 5 fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * *" for 02:00 every night; got ${fields.length}`;
  }
  for (let i = 0; i < 5; i++) {
    const problem = cronFieldProblem(fields[i]!, CRON_FIELDS[i]!);
    if (problem) return `cron "${cron}": ${problem}`;
  }
  return null;
}

/**
 * What is wrong with a schedule's time zone, or null: an IANA name (Europe/Paris, UTC) as the
 * Temporal server reads it — case-sensitive, so "europe/paris" is refused with the right spelling.
 */
export function timezoneProblem(timezone: unknown): string | null {
  if (timezone === undefined) return null;
  if (typeof timezone !== 'string' || timezone.trim() === '' || timezone.length > 64) return 'timezone: give an IANA time zone name such as UTC or Europe/Paris';
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return `timezone "${timezone}": not a time zone; give an IANA name such as UTC, Europe/Paris or America/New_York`;
  }
  if (resolved && resolved !== timezone && resolved.toLowerCase() === timezone.toLowerCase()) return `timezone "${timezone}": time zone names are case-sensitive; did you mean ${resolved}?`;
  return null;
}

/** A schedule id (its workflows' ids embed it). */
export function scheduleIdProblem(id: unknown): string | null {
  if (typeof id !== 'string' || id.trim() === '') return 'schedule id: must not be empty';
  if (id.length > MAX_NAME) return `schedule id: at most ${MAX_NAME} characters; got ${id.length}`;
  if (!/^[\w.@:-]+$/.test(id)) return `schedule id "${id.slice(0, MAX_NAME)}": letters, digits and . _ - @ : only`;
  return null;
}

/** A schedule the client refuses before any schedule is made (bad cron, time zone or id). */
export class ScheduleSpecError extends InvalidInputError {
  override readonly name = 'ScheduleSpecError';
}

/** Refuses a bad schedule id, cron or time zone with a ScheduleSpecError naming it. */
export function checkSchedule(id: string, spec: ScheduleSpec): void {
  const idProblem = scheduleIdProblem(id);
  if (idProblem) throw new ScheduleSpecError('id', idProblem);
  const cron = cronProblem(spec?.cron);
  if (cron) throw new ScheduleSpecError('cron', cron);
  const tz = timezoneProblem(spec.timezone);
  if (tz) throw new ScheduleSpecError('timezone', tz);
}

/**
 * A job on a cron as a Temporal Schedule. Overlap policy SKIP: a run that
 * would start while the previous one of the same schedule still runs is
 * skipped, so two runs of the same job never overlap.
 */
export async function createJobSchedule(client: Client, taskQueue: string, id: string, job: ScheduledJob, spec: ScheduleSpec): Promise<void> {
  checkSchedule(id, spec);
  await client.schedule.create({
    scheduleId: id,
    spec: { cronExpressions: [spec.cron], timezone: spec.timezone ?? 'UTC' },
    action: {
      type: 'startWorkflow',
      workflowType: job.workflowType as unknown as typeof syncWorkflow,
      workflowId: job.workflowId,
      taskQueue,
      args: job.args as Parameters<typeof syncWorkflow>,
      typedSearchAttributes: [
        { key: SearchAttributes.jobType, value: job.jobType },
        { key: SearchAttributes.connectionIds, value: job.connectionIds },
      ],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    memo: { cron: spec.cron, timezone: spec.timezone ?? 'UTC' },
    state: { note: spec.note ?? `${job.note}, cron ${spec.cron}` },
  });
}

/** Cron-scheduled syncs (overlap SKIP: two syncs of the same tables never run at once). */
export async function createSyncSchedule(client: Client, taskQueue: string, id: string, input: SyncInput, connectionIds: string[], spec: ScheduleSpec): Promise<void> {
  await createJobSchedule(
    client,
    taskQueue,
    id,
    {
      workflowType: 'syncWorkflow',
      workflowId: `sync-scheduled-${id}`,
      args: [input],
      jobType: JobType.SYNC,
      connectionIds,
      note: 'sluice sync',
    },
    spec,
  );
}

/** A schedule as Sluice shows it, from a list entry or a description. */
function summaryOf(s: ScheduleDescription | TemporalScheduleSummary): ScheduleSummary {
  return {
    id: s.scheduleId,
    cron: (s.memo?.cron as string | undefined) ?? null,
    timezone: (s.memo?.timezone as string | undefined) ?? null,
    nextRuns: (s.info.nextActionTimes ?? []).map((d) => d.toISOString()),
    recentJobs: (s.info.recentActions ?? []).map((a) => a.action.workflow.workflowId),
    paused: s.state.paused,
    note: s.state.note ?? null,
  };
}

export async function listSchedules(client: Client): Promise<ScheduleSummary[]> {
  const out: ScheduleSummary[] = [];
  for await (const s of client.schedule.list()) out.push(summaryOf(s));
  return out;
}

/** One schedule, from the server's own record (not visibility: current right after a change). */
export async function describeSchedule(client: Client, id: string): Promise<ScheduleSummary> {
  return summaryOf(await client.schedule.getHandle(id).describe());
}
