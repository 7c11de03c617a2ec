import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '@sluice/codec';
import { OTEL_WORKFLOW_BUNDLE_PATH, OTEL_WORKFLOW_INTERCEPTORS, WORKFLOW_BUNDLE_PATH, workflowsPath } from './workflow-bundle';

// Build step: bundle the workflows once, so workers and tests do not re-bundle at every start.
// A second bundle has OpenTelemetry's workflow interceptors in it, for workers that trace
// (OTEL_EXPORTER_OTLP_ENDPOINT): the others run workflow code without them.
async function main() {
  for (const [path, interceptors] of [[WORKFLOW_BUNDLE_PATH, []], [OTEL_WORKFLOW_BUNDLE_PATH, [OTEL_WORKFLOW_INTERCEPTORS]]] as const) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: workflowsPath(),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      workflowInterceptorModules: [...interceptors],
      logger: quietLogger,
    });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, code);
    process.stderr.write(`workflow bundle: ${path} (${Math.round(code.length / 1024)} KiB)\n`);
  }
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error };

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
