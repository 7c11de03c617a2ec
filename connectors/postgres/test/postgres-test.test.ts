import { ConnectorRegistry, type ConnectorPlugin } from '@sluice/connector-sdk';
import postgres from '@sluice/connector-postgres';

// The connector's own test operation against the real PostgreSQL of `npm test`, without Temporal.
const registry = new ConnectorRegistry().register(postgres as ConnectorPlugin);
const url = () => {
  if (!process.env.SLUICE_PG_URL) throw new Error('SLUICE_PG_URL is not set: run `npm test`');
  return process.env.SLUICE_PG_URL;
};

async function testUrl(u: string) {
  const { plugin, config } = registry.resolve({ url: u });
  return plugin.test(config);
}

test('success reports the server version', async () => {
  const message = await testUrl(url());
  expect(message.code).toBe('CONNECTION_OK');
  expect(message.details.version?.[0]).toMatch(/^PostgreSQL \d+/);
});

test('a wrong password is AUTHENTICATION_FAILED and the password is not in the answer', async () => {
  const u = new URL(url());
  u.password = 'N0t-The-Pa55';
  const message = await testUrl(u.toString());
  expect(message.code).toBe('AUTHENTICATION_FAILED');
  expect(JSON.stringify(message)).not.toContain('N0t-The-Pa55');
});

test('Kerberos is declared unsupported and refused by name', async () => {
  const { plugin, config } = registry.resolve({ url: url() });
  const message = await plugin.test({ ...config, hooks_params: { Kerberos: { principal: 'sluice@EXAMPLE' } } });
  expect(message.code).toBe('INVALID_CONFIG');
  expect(message.body).toContain('hooks_params.Kerberos');
});

test('an aborted test stops at once', async () => {
  const { plugin, config } = registry.resolve({ url: url() });
  const controller = new AbortController();
  controller.abort();
  const message = await plugin.test(config, { signal: controller.signal });
  expect(message.kind).toBe('error');
});
