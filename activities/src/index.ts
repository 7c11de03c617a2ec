import type { SluiceActivities } from '@sluice/workflows';
import { ConnectionResolver } from './connections';
import { refreshDatabases, refreshSchema, refreshSchemas } from './refresh';
import { copyChunk } from './sync/copy-chunk';
import { finalizeTable } from './sync/finalize-table';
import { finishSchema } from './sync/finish-schema';
import { prepareSchema } from './sync/prepare-schema';
import { releaseTableActivity } from './sync/table-lease';
import { planSync } from './sync/plan-sync';
import { prepareTable } from './sync/prepare-table';
import { testConnection } from './test-connection';

export { ConnectionResolver } from './connections';
export { SessionCache } from './session-cache';
export { NO_METRICS, type ActivityMetrics, type EnginePair } from './metrics';

/** The activities, bound to the worker's connector registry and catalog. */
export function createActivities(connections: ConnectionResolver): SluiceActivities {
  return {
    testConnection: (input) => testConnection(connections, input),
    planSync: (input) => planSync(connections, input),
    prepareTable: (input) => prepareTable(connections, input),
    copyChunk: (input) => copyChunk(connections, input),
    finalizeTable: (input) => finalizeTable(connections, input),
    prepareSchema: (input) => prepareSchema(connections, input),
    finishSchema: (input) => finishSchema(connections, input),
    releaseTable: (input) => releaseTableActivity(connections, input),
    refreshDatabases: (input) => refreshDatabases(connections, input),
    refreshSchemas: (input) => refreshSchemas(connections, input),
    refreshSchema: (input) => refreshSchema(connections, input),
  };
}
