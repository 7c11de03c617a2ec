import { Context } from '@temporalio/activity';
import {
  applicationMessage,
  ConnectorError,
  redact,
  secretsOfSpec,
  TestCode,
  type ApplicationMessage,
  type ConnectorRegistry,
} from '@sluice/connector-sdk';
import type { TestConnectionInput } from '@sluice/workflows';

/** Resolves the connection through the registry and runs the connector's test. */
export async function testConnection(registry: ConnectorRegistry, input: TestConnectionInput): Promise<ApplicationMessage> {
  try {
    const { plugin, config } = registry.resolve(input.connection);
    return await plugin.test(config, { signal: Context.current().cancellationSignal });
  } catch (err) {
    if (err instanceof ConnectorError) return applicationMessage(err.code, err.message, err.details);
    // Anything else becomes an answer too, scrubbed: an activity failure's message is stored in clear.
    const text = redact(err instanceof Error ? err.message : String(err), secretsOfSpec(input.connection));
    return applicationMessage(TestCode.DRIVER_ERROR, text);
  }
}
