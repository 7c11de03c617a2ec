import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowSource } from '@sluice/worker';

// Recorded histories of every workflow path (scripts/record-histories.js) replayed
// against the current workflow code: a non-deterministic change fails here.
const dir = join(__dirname, 'replay', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

beforeAll(() => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed by another test file in this worker
  }
});

test('histories were recorded for each workflow type', () => {
  const types = new Set(files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).events[0].workflowExecutionStartedEventAttributes.workflowType.name));
  expect([...types].sort()).toEqual(['refreshDatabasesWorkflow', 'refreshSchemaWorkflow', 'refreshSchemasWorkflow', 'syncTableWorkflow', 'syncWorkflow', 'testConnectionWorkflow']);
});

test.each(files)('%s replays deterministically', async (file) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  await expect(Worker.runReplayHistory({ ...workflowSource(), replayName: file }, history)).resolves.toBeUndefined();
});
