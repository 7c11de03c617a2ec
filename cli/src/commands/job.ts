import { checkJobFilter, checkJobId, SluiceClient, type JobState, type JobType } from '@sluice/client';
import { asUsage, wholeNumber } from '../options';
import { connectionArg } from '../connection-arg';
import { NoTemporalServerError, runningTemporalTarget } from '../embedded';
import { printJson } from '../output';
import { exitCodeOf, jobSummary, waitAndReport } from '../wait-job';

/** Runs `fn` with a client on the configured Temporal (jobs need a server that outlives a command). */
async function withClient<T>(fn: (client: SluiceClient) => Promise<T>): Promise<T> {
  const target = await runningTemporalTarget();
  if (!target) throw new NoTemporalServerError('jobs');
  try {
    const client = await SluiceClient.connect({ temporal: target.settings });
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  } finally {
    await target.close();
  }
}

const jobId = (id: string) => asUsage({ jobId: '<job-id>' }, () => checkJobId(id));

export async function jobShowCommand(id: string, o: { json?: boolean; wait?: boolean }): Promise<number> {
  jobId(id);
  return withClient(async (client) => {
    if (o.wait) return waitAndReport(client, id, o);
    const job = await client.getJob(id);
    if (o.json) printJson(job);
    else process.stdout.write(jobSummary(job) + '\n');
    return 0;
  });
}

export async function jobCancelCommand(id: string, o: { json?: boolean; wait?: boolean }): Promise<number> {
  jobId(id);
  return withClient(async (client) => {
    await client.cancelJob(id);
    if (!o.wait) {
      process.stderr.write(`sluice: cancel requested for ${id}\n`);
      return 0;
    }
    const job = await client.waitForJob(id);
    if (o.json) printJson(job);
    else process.stdout.write(`${id}: ${job.state}${job.message ? ` — ${job.message}` : ''}\n`);
    return exitCodeOf(job) === 130 ? 0 : exitCodeOf(job);
  });
}

export async function jobListCommand(o: { json?: boolean; type?: string; state?: string; connection?: string; running?: boolean; limit?: string }): Promise<number> {
  const filter = {
    type: o.type as JobType | undefined,
    state: o.state as JobState | undefined,
    connection: o.connection ? connectionArg(o.connection, '--connection') : undefined,
    running: o.running,
    limit: wholeNumber(o.limit, '--limit', 1, 10_000),
  };
  asUsage({ type: '--type', limit: '--limit' }, () => checkJobFilter(filter));
  return withClient(async (client) => {
    const jobs = await client.listJobs(filter);
    if (o.json) printJson(jobs);
    else if (!jobs.length) process.stdout.write('no jobs\n');
    else for (const j of jobs) process.stdout.write(`${j.id}  ${j.type}  ${j.state}  ${j.startDate}${j.endDate ? ` → ${j.endDate}` : ''}\n`);
    return 0;
  });
}
