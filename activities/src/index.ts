import type { ConnectorRegistry } from '@sluice/connector-sdk';
import type { SluiceActivities } from '@sluice/workflows';
import { copyChunk } from './sync/copy-chunk';
import { finalizeTable } from './sync/finalize-table';
import { planSync } from './sync/plan-sync';
import { prepareTable } from './sync/prepare-table';
import { testConnection } from './test-connection';

/** The activities, bound to the worker's connector registry. */
export function createActivities(registry: ConnectorRegistry): SluiceActivities {
  return {
    testConnection: (input) => testConnection(registry, input),
    planSync: (input) => planSync(registry, input),
    prepareTable: (input) => prepareTable(registry, input),
    copyChunk: (input) => copyChunk(registry, input),
    finalizeTable: (input) => finalizeTable(registry, input),
  };
}
