import { Context } from '@temporalio/activity';
import {
  applicationMessage,
  ConnectorError,
  redact,
  secretsOfSpec,
  TestCode,
  type ApplicationMessage,
} from '@sluice/connector-sdk';
import type { TestConnectionInput } from '@sluice/workflows';
import type { ConnectionResolver } from './connections';

/** Resolves the connection through the registry and runs the connector's test. */
export async function testConnection(connections: ConnectionResolver, input: TestConnectionInput): Promise<ApplicationMessage> {
  const secrets = secretsOfSpec(input.connection);
  try {
    const { plugin, config, secrets: stored } = await connections.resolve(input.connection);
    secrets.push(...stored);
    return await plugin.test(config, { signal: Context.current().cancellationSignal });
  } catch (err) {
    if (err instanceof ConnectorError) return applicationMessage(err.code, err.message, err.details);
    // Anything else becomes an answer too, scrubbed: an activity failure's message is stored in clear.
    const text = redact(err instanceof Error ? err.message : String(err), secrets);
    return applicationMessage(TestCode.DRIVER_ERROR, text);
  }
}
