import { defineQuery, setHandler, workflowInfo } from '@temporalio/workflow';
import { JOB_QUERY, type Job, type JobState, type JobType } from './job-model';

export const jobQuery = defineQuery<Job>(JOB_QUERY);

/** The live Job object of the running workflow, answered by the `job` query. */
export function trackJob(type: JobType) {
  const job: Job = {
    id: workflowInfo().workflowId,
    type,
    state: 'RUNNING',
    progressPercentage: 0,
    startDate: new Date(workflowInfo().startTime).toISOString(),
    endDate: null,
    message: null,
  };
  setHandler(jobQuery, () => job);
  return {
    job,
    finish(state: JobState, message: string | null) {
      job.state = state;
      job.message = message;
      job.endDate = new Date().toISOString();
      if (state === 'COMPLETED') job.progressPercentage = 100;
    },
  };
}
