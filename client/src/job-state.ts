import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { Job, JobState, JobType } from '@sluice/workflows';

/** Maps a workflow's status onto the Job state (Collibra). */
export function jobStateOf(status: WorkflowExecutionDescription['status']['name']): JobState {
  switch (status) {
    case 'RUNNING':
      return 'RUNNING';
    case 'COMPLETED':
      return 'COMPLETED';
    case 'CANCELLED':
      return 'CANCELED';
    case 'CONTINUED_AS_NEW':
      return 'RUNNING';
    default: // FAILED, TERMINATED, TIMED_OUT, UNKNOWN
      return 'ERROR';
  }
}

/** The Job object of a closed workflow, from what the server records. */
export function jobFromDescription(d: WorkflowExecutionDescription, type: JobType, message: string | null): Job {
  const state = jobStateOf(d.status.name);
  return {
    id: d.workflowId,
    type,
    state,
    progressPercentage: state === 'COMPLETED' ? 100 : 0,
    startDate: d.startTime.toISOString(),
    endDate: d.closeTime?.toISOString() ?? null,
    message,
  };
}
