import type { ApplicationMessage, TestConnectionInput } from './job-model';

/**
 * What workflows call and `@sluice/activities` implements. Declared here so
 * that workflows import no activity code, not even for its types.
 */
export interface SluiceActivities {
  /** Answers an application message; never throws for a failed connection. */
  testConnection(input: TestConnectionInput): Promise<ApplicationMessage>;
}
