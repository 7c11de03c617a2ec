import { runSshTunnelSuite } from '@sluice/connector-sdk/dist/testkit';
import { fixture } from './fixture';

// hooks_params.SSHTunnel through the real sshd of `npm test` (SLUICE_SSH_URL) to the real server.
runSshTunnelSuite(fixture);
