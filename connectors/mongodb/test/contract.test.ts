import { runContractSuite } from '@sluice/connector-sdk/dist/testkit';
import { fixture } from './fixture';

runContractSuite(fixture);
