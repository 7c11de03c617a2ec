import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '@sluice/codec';
import { WORKFLOW_BUNDLE_PATH, workflowsPath } from './workflow-bundle';

// Build step: bundle the workflows once, so workers and tests do not re-bundle at every start.
async function main() {
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietLogger });
  mkdirSync(dirname(WORKFLOW_BUNDLE_PATH), { recursive: true });
  writeFileSync(WORKFLOW_BUNDLE_PATH, code);
  process.stderr.write(`workflow bundle: ${WORKFLOW_BUNDLE_PATH} (${Math.round(code.length / 1024)} KiB)\n`);
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error };

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
