import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm run build` leaves the prebuilt workflow bundle. */
export const WORKFLOW_BUNDLE_PATH = join(__dirname, '..', 'bundle', 'workflows.js');
/** The same workflows with OpenTelemetry's workflow interceptors, for workers that trace. */
export const OTEL_WORKFLOW_BUNDLE_PATH = join(__dirname, '..', 'bundle', 'workflows-otel.js');
/** The module of OpenTelemetry's workflow interceptors (spans for workflows, their activities and children). */
export const OTEL_WORKFLOW_INTERCEPTORS = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** The workflow module the bundle is made from. */
export function workflowsPath(): string {
  return require.resolve('@sluice/workflows/dist/workflows');
}

/**
 * The prebuilt bundle when present (a worker starts in well under a second),
 * otherwise the workflow source, bundled by the Worker at start (seconds).
 * With `tracing`, the bundle with OpenTelemetry's workflow interceptors.
 */
export function workflowSource(options: { tracing?: boolean } = {}): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const path = options.tracing ? OTEL_WORKFLOW_BUNDLE_PATH : WORKFLOW_BUNDLE_PATH;
  // Without a bundle the Worker bundles the source itself, with the workflow interceptor modules it is given.
  return existsSync(path) ? { workflowBundle: { codePath: path } } : { workflowsPath: workflowsPath() };
}
