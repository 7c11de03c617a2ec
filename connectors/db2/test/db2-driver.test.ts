import db2, { driverAvailable, setDriverLoader } from '@sluice/connector-db2';
import { ALL_CAPABILITIES, ConnectorRegistry, functionalitiesOf } from '@sluice/connector-sdk';

const config = db2.configSchema.parse({ connector_type: 'DB2Connector', host: 'db2.example', database: 'SLUICE', username: 'db2inst1', password: 'Se;cr}et-Pw' });

// Real on this machine: ibm_db is installed without its native binding (its install script did not run).
const missing = !driverAvailable();

test('the package loads and registers without ibm_db’s native binding', () => {
  const registry = new ConnectorRegistry().register(db2);
  const { plugin, config: parsed } = registry.resolve({ url: 'db2://db2inst1:pw@localhost:50000/SLUICE' });
  expect(plugin.type).toBe('db2');
  expect(parsed).toMatchObject({ connector_type: 'DB2Connector', host: 'localhost', port: 50000, database: 'SLUICE', protocol: 'db2' });
});

(missing ? describe : describe.skip)('without the native binding (this machine)', () => {
  test('test answers DRIVER_NOT_INSTALLED with the fix, and no secret', async () => {
    const message = await db2.test(config);
    expect(message).toMatchObject({ code: 'DRIVER_NOT_INSTALLED', kind: 'error', title: 'DB2 driver not installed' });
    expect(message.body).toMatch(/DB2 driver not installed/);
    expect(message.body).toMatch(/npm rebuild ibm_db/);
    expect(message.body).toMatch(/IBM_DB_HOME/);
    expect(message.body).toMatch(/allowScripts/);
    expect(JSON.stringify(message)).not.toContain('Se;cr}et-Pw');
  });

  test('open rejects with a non-retryable DRIVER_NOT_INSTALLED error saying how to install it', async () => {
    await expect(db2.open(config)).rejects.toMatchObject({
      code: 'DRIVER_NOT_INSTALLED',
      retryable: false,
      message: expect.stringMatching(/^DB2 driver not installed: .*npm rebuild ibm_db.*IBM_DB_HOME/s),
    });
  });
});

test('a driver that fails to load for another reason is reported the same way', async () => {
  setDriverLoader(() => {
    throw new Error('libdb2.so.1: cannot open shared object file: No such file or directory');
  });
  try {
    const message = await db2.test(config);
    expect(message.code).toBe('DRIVER_NOT_INSTALLED');
    expect(message.body).toContain('libdb2.so.1');
  } finally {
    setDriverLoader(null);
  }
});

test('capabilities: each declared or explained; trigger management lacking with the reason; Syntho functionalities', () => {
  const { capabilities, lacking = {} } = db2.capabilities;
  for (const c of ALL_CAPABILITIES) expect({ c, ok: capabilities[c] === true || typeof lacking[c] === 'string' }).toEqual({ c, ok: true });
  expect(capabilities.TRIGGER_MANAGEMENT).toBeUndefined();
  expect(lacking.TRIGGER_MANAGEMENT).toMatch(/cannot disable a trigger/);
  expect(functionalitiesOf(db2.capabilities).map((f) => [f.name, f.applicability])).toEqual([
    ['HIGH_PERFORMANCE_WRITING', 'FULL'],
    ['IDEMPOTENT_WRITING', 'PARTIAL'],
  ]);
});
