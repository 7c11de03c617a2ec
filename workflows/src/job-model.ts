import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ApplicationMessage, ConnectionSpec } from '@sluice/connector-sdk';

export type { ApplicationMessage, ConnectionSpec };

/** The task queue every Sluice worker polls unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'sluice';

export const JobType = {
  TEST_CONNECTION: 'TEST_CONNECTION',
  SYNC: 'SYNC',
  REFRESH_DATABASES: 'REFRESH_DATABASES',
  REFRESH_SCHEMAS: 'REFRESH_SCHEMAS',
  REFRESH_SCHEMA: 'REFRESH_SCHEMA',
} as const;
export type JobType = (typeof JobType)[keyof typeof JobType];

/** Name of the query every job workflow answers with its Job object. */
export const JOB_QUERY = 'job';

/** Collibra's Job states. */
export type JobState = 'WAITING' | 'RUNNING' | 'CANCELING' | 'COMPLETED' | 'CANCELED' | 'ERROR';

/** The Job object every Sluice job answers (Collibra shape). */
export interface Job {
  id: string;
  type: JobType;
  state: JobState;
  progressPercentage: number;
  startDate: string | null;
  endDate: string | null;
  message: string | null;
}

/**
 * Search attributes (registered on the dev server by the dev-server helper),
 * never encrypted by codecs: ids and types only.
 */
export const SearchAttributes = {
  jobType: defineSearchAttributeKey('SluiceJobType', SearchAttributeType.KEYWORD),
  connectionIds: defineSearchAttributeKey('SluiceConnectionIds', SearchAttributeType.KEYWORD_LIST),
} as const;

/** `name=Type` pairs for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS = ['SluiceJobType=Keyword', 'SluiceConnectionIds=KeywordList'];

export interface TestConnectionInput {
  connection: ConnectionSpec;
}
