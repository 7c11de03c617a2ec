import { runSshTunnelSuite } from '@sluice/connector-sdk/dist/testkit';
import { fixture } from './fixture';

// hooks_params.SSHTunnel through a real sshd (SLUICE_SSH_URL) to the real server (ORACLE_URL); skipped without both.
runSshTunnelSuite(fixture);
