import type { ConnectorRegistry } from '@sluice/connector-sdk';
import type { SluiceActivities } from '@sluice/workflows';
import { testConnection } from './test-connection';

/** The activities, bound to the worker's connector registry. */
export function createActivities(registry: ConnectorRegistry): SluiceActivities {
  return {
    testConnection: (input) => testConnection(registry, input),
  };
}
