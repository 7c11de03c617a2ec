import { runContractSuite } from '@sluice/connector-sdk/dist/testkit';
import { fixture } from './fixture';

// Against a real server when ORACLE_URL is set (docker-compose: gvenzl/oracle-free; scripts/compose-env.sh); skipped otherwise.
runContractSuite(fixture);
