import { ConfigError, ConnectorRegistry, redact, secretsOfSpec, type ConnectorPlugin } from '@sluice/connector-sdk';
import postgres from '@sluice/connector-postgres';

const registry = new ConnectorRegistry().register(postgres as ConnectorPlugin);

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('connection URLs', () => {
  test('postgres:// and postgresql:// map onto the Syntho config with its defaults', () => {
    for (const scheme of ['postgres', 'postgresql']) {
      const { plugin, config } = registry.resolve({ url: `${scheme}://ann:p%40ss%3Aw@db.example:6543/sales?sslmode=verify-full&schema=s1` });
      expect(plugin.type).toBe('postgresql');
      expect(config).toMatchObject({
        connector_type: 'PostgreSQLConnector',
        host: 'db.example',
        port: 6543,
        database: 'sales',
        username: 'ann',
        password: 'p@ss:w',
        schema_name: 's1',
        include_views: false,
        protocol: 'postgresql+psycopg2',
        hooks_params: { SSL: { ssl_mode: 'verify-full' } },
      });
    }
  });

  test('the default port is the engine default', () => {
    expect(registry.resolve({ url: 'postgresql://a:b@h/d' }).config.port).toBe(5432);
  });

  test('an unknown scheme names the field and lists the installed connectors', () => {
    const err = configErrorOf(() => registry.resolve({ url: 'oracle://a:b@h/d' }));
    expect(err.details.url?.[0]).toMatch(/no installed connector for scheme 'oracle:\/\/'.*postgresql/);
  });

  test('an unknown query parameter is named, and the URL (with its password) is never echoed', () => {
    const err = configErrorOf(() => registry.resolve({ url: 'postgresql://a:Sup3rSecret@h/d?sslmod=require' }));
    expect(Object.keys(err.details)).toEqual(['url?sslmod']);
    expect(err.message).not.toContain('Sup3rSecret');
  });

  test('a malformed URL is refused without echoing it', () => {
    const err = configErrorOf(() => registry.resolve({ url: 'postgresql://a:Sup3rSecret@h:notaport/d' }));
    expect(err.details.url).toBeDefined();
    expect(err.message).not.toContain('Sup3rSecret');
  });
});

describe('Syntho-shaped config', () => {
  test('null means the default, as in the Syntho schemas', () => {
    const { config } = registry.resolve({
      config: { connector_type: 'PostgreSQLConnector', host: 'h', database: 'd', username: 'u', password: 'p', port: null, schema_name: null, hooks_params: null },
    });
    expect(config.port).toBe(5432);
    expect(config.schema_name).toBeUndefined();
  });

  test('every bad field is named with its fix, none of the values echoed', () => {
    const err = configErrorOf(() =>
      registry.resolve({
        config: { connector_type: 'PostgreSQLConnector', host: '', port: 0, username: 'u', password: 'Echo-Me-Not', colour: 'red', hooks_params: { SSL: { ssl_mode: 'sometimes' } } },
      }),
    );
    expect(Object.keys(err.details).sort()).toEqual(['(config)', 'database', 'hooks_params.SSL.ssl_mode', 'host', 'port']);
    expect(err.details['(config)']?.[0]).toContain('colour');
    expect(err.details['hooks_params.SSL.ssl_mode']?.[0]).toContain('verify-full');
    expect(err.message).not.toContain('Echo-Me-Not');
  });

  test('an unknown connector_type is named', () => {
    const err = configErrorOf(() => registry.resolve({ config: { connector_type: 'SybaseConnector' } }));
    expect(Object.keys(err.details)).toEqual(['connector_type']);
  });
});

describe('redaction', () => {
  test('masks URL passwords and known secrets', () => {
    expect(redact('failed for postgresql://ann:hunter22@h/d')).toBe('failed for postgresql://ann:*****@h/d');
    expect(redact('token hunter22 leaked', ['hunter22'])).toBe('token ***** leaked');
  });

  test('finds the secrets of a URL spec and of a config spec', () => {
    expect(secretsOfSpec({ url: 'postgresql://a:p%40ss@h/d' })).toEqual(['p%40ss', 'p@ss']);
    expect(secretsOfSpec({ config: { connector_type: 'PostgreSQLConnector', password: 'pw1', hooks_params: { SSL: { key: 'PEMKEY' } } } })).toEqual(['pw1', 'PEMKEY']);
  });
});

describe('MongoDB URL parameters', () => {
  test('authSource, replicaSet, tls and mongodb+srv map onto config fields', async () => {
    const { parseConnectionUrl } = await import('@sluice/connector-sdk');
    expect(parseConnectionUrl('mongodb+srv://u:p@cluster.example/app?authSource=admin&replicaSet=rs0&tls=true')).toMatchObject({
      host: 'cluster.example',
      database: 'app',
      protocol: 'mongodb+srv',
      auth_source: 'admin',
      replica_set: 'rs0',
      hooks_params: { SSL: { ssl_mode: 'require' } },
    });
  });

  test('an engine without those fields refuses them by name', () => {
    const err = configErrorOf(() => registry.resolve({ url: 'postgresql://a:b@h/d?replicaSet=rs0' }));
    expect(err.details['(config)']?.[0]).toContain('replica_set');
  });
});
