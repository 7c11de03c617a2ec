import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { SluiceActivities } from './activity-contract';
import { JobType, type ApplicationMessage, type TestConnectionInput } from './job-model';
import { trackJob } from './job-query';

const { testConnection } = proxyActivities<SluiceActivities>({
  // The activity ends within the connection's own connect timeout (≤ 10 min by schema).
  startToCloseTimeout: '11 minutes',
  retry: { maximumAttempts: 3 },
});

/**
 * TEST_CONNECTION: connect, authenticate, read the server version. A failed
 * test ends the job in ERROR with the application message as failure details.
 */
export async function testConnectionWorkflow(input: TestConnectionInput): Promise<ApplicationMessage> {
  const tracker = trackJob(JobType.TEST_CONNECTION);
  const message = await testConnection(input);
  if (message.kind === 'error') {
    tracker.finish('ERROR', `${message.title}: ${message.body}`);
    throw ApplicationFailure.create({
      type: message.code,
      message: `${message.title}: ${message.body}`,
      nonRetryable: true,
      details: [message],
    });
  }
  tracker.finish('COMPLETED', message.body);
  return message;
}
