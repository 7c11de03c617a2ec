import { runContractSuite } from '@sluice/connector-sdk/dist/testkit';
import { fixture } from './fixture';

// Against the SQL Server of MSSQL_URL (docker-compose.yml's `mssql`); reported as skipped without it.
runContractSuite(fixture);
