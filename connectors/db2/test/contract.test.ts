import { describe, test } from '@jest/globals';
import { runContractSuite } from '@sluice/connector-sdk/dist/testkit';
import { driverAvailable } from '@sluice/connector-db2';
import { fixture } from './fixture';

// Skipped (never passed) without a server (DB2_URL unset) or without ibm_db's native binding (the CLI driver).
if (fixture.url && !driverAvailable()) {
  describe.skip(`${fixture.plugin.displayName} connector contract (skipped: DB2_URL is set but the DB2 driver is not installed: ibm_db's native binding / IBM CLI driver is missing, see connectors/db2/README.md)`, () => {
    test.skip('needs the ibm_db native binding', () => undefined);
  });
} else {
  runContractSuite(fixture);
}
