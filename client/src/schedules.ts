import { ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleSummary as TemporalScheduleSummary } from '@temporalio/client';
import { JobType, SearchAttributes, type SyncInput, type syncWorkflow } from '@sluice/workflows';

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
const CRON_FIELD = /^[0-9A-Za-z*?\/,\-LW#]+$/;

/**
 * What is wrong with a cron expression, or null. Standard cron only: five fields (minute hour
 * day-of-month month day-of-week) or a macro. Temporal also reads six and seven fields (seconds
 * first, years last), which turns "0 2 * * * * *" into every second: refused here.
 */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length === 1 && CRON_MACROS.has(fields[0]!.toLowerCase())) return null;
  if (fields.length !== 5) {
    return `cron "${cron}": expected 5 fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * *" for 02:00 every night; got ${fields.length}`;
  }
  const bad = fields.find((f) => !CRON_FIELD.test(f));
  return bad ? `cron "${cron}": "${bad}" is not a cron field` : null;
}

/** A cron the client refuses before any schedule is made. */
export class ScheduleSpecError extends Error {
  override readonly name = 'ScheduleSpecError';
}

/**
 * A job on a cron as a Temporal Schedule. Overlap policy SKIP: a run that
 * would start while the previous one of the same schedule still runs is
 * skipped, so two runs of the same job never overlap.
 */
export async function createJobSchedule(client: Client, taskQueue: string, id: string, job: ScheduledJob, spec: ScheduleSpec): Promise<void> {
  const problem = cronProblem(spec.cron);
  if (problem) throw new ScheduleSpecError(problem);
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
