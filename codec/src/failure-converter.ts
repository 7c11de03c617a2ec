import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failures with their message and stack trace moved into an encoded payload
 * (`encodedAttributes`), which the payload codec encrypts like any other: a
 * history read without the key shows "Encoded failure" and no error text.
 * Loaded by path (`failureConverterPath`) by clients, workers and the workflow
 * bundle alike, so it imports nothing but @temporalio/common.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
