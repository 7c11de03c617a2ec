import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm run build` leaves the prebuilt workflow bundle. */
export const WORKFLOW_BUNDLE_PATH = join(__dirname, '..', 'bundle', 'workflows.js');

/** The workflow module the bundle is made from. */
export function workflowsPath(): string {
  return require.resolve('@sluice/workflows/dist/workflows');
}

/**
 * The prebuilt bundle when present (a worker starts in well under a second),
 * otherwise the workflow source, bundled by the Worker at start (seconds).
 */
export function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  return existsSync(WORKFLOW_BUNDLE_PATH) ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } } : { workflowsPath: workflowsPath() };
}
