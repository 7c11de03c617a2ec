import { createServer, type AddressInfo, type Server } from 'node:net';
import { ConfigError, ConnectorError, ConnectorRegistry, TestCode, functionalitiesOf, parseConfig, propertySpecs, type ConnectorPlugin } from '@sluice/connector-sdk';
import { checkDeclarations } from '@sluice/connector-sdk/dist/testkit';
import mssql, { classifyMssqlError, mssqlConfigSchema, parseVersion, tlsChoice, toPoolConfig, type MssqlConfig } from '@sluice/connector-mssql';

const registry = new ConnectorRegistry().register(mssql as ConnectorPlugin);
const resolve = (url: string) => registry.resolve({ url }).config as MssqlConfig;
const base = { connector_type: 'MsSQLConnector', host: 'db.example', database: 'sales', username: 'sluice', password: 'Pw-s3cret!' };
const config = (extra: Record<string, unknown> = {}) => parseConfig(mssqlConfigSchema, { ...base, ...extra }) as MssqlConfig;

describe('config and URLs', () => {
  test('Syntho CreateMsSQLConnector fields and defaults', () => {
    const c = config();
    expect(c).toMatchObject({ port: 1433, protocol: 'mssql+pyodbc', include_views: false, connect_timeout_ms: 10_000 });
    expect(c.schema_name).toBeUndefined();
    expect(config({ port: null, protocol: null, schema_name: 'sales' })).toMatchObject({ port: 1433, protocol: 'mssql+pyodbc', schema_name: 'sales' });
    expect(propertySpecs(mssqlConfigSchema)).toMatchSnapshot();
  });

  test('mssql:// and sqlserver:// URLs (user:pw@host:port/db)', () => {
    expect(resolve('mssql://sa:Sluice-Pw-4f9d2c@127.0.0.1:51433/master')).toMatchObject({ connector_type: 'MsSQLConnector', host: '127.0.0.1', port: 51433, database: 'master', username: 'sa', password: 'Sluice-Pw-4f9d2c' });
    expect(resolve('sqlserver://u%40corp:p%3Aw@db.example/sales?schema=dbo&sslmode=require')).toMatchObject({
      host: 'db.example', port: 1433, database: 'sales', username: 'u@corp', password: 'p:w', schema_name: 'dbo', hooks_params: { SSL: { ssl_mode: 'require' } },
    });
  });

  test('bad config names the field and never echoes a secret', () => {
    const bad = () => parseConfig(mssqlConfigSchema, { ...base, port: 70000, host: '', password: undefined });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      expect((err as ConfigError).issues.map((i) => i.field).sort()).toEqual(['host', 'password', 'port']);
    }
    // JDBC's `sqlserver://host:1433;databaseName=…` is not a URL: refused by name, password not echoed.
    expect(() => resolve('sqlserver://db.example:1433;databaseName=sales;password=Pw-s3cret!')).toThrow(/url: not a valid URL/);
    try {
      resolve('sqlserver://db.example:1433;databaseName=sales;password=Pw-s3cret!');
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('Pw-s3cret!');
    }
    expect(() => resolve('mssql://u:p@h/db?encrypt=true')).toThrow(/url\?encrypt: unknown parameter/);
  });

  test('Kerberos and named instances are refused by name', () => {
    expect(() => toPoolConfig(config({ hooks_params: { Kerberos: { principal: 'svc@CORP' } } }))).toThrow(/hooks_params.Kerberos: not supported/);
    expect(() => toPoolConfig(config({ host: 'db\\SQLEXPRESS' }))).toThrow(/host: named instances/);
  });

  test('SSL hook → tedious encrypt / trustServerCertificate / CA', () => {
    const modes = ['disable', 'allow', 'prefer', 'require'].map((m) => [m, tlsChoice(config({ hooks_params: { SSL: { ssl_mode: m } } }))]);
    expect(modes).toEqual([
      ['disable', { encrypt: false, trustServerCertificate: false, required: false }],
      ['allow', { encrypt: false, trustServerCertificate: false, required: false }],
      ['prefer', { encrypt: true, trustServerCertificate: true, required: false }],
      ['require', { encrypt: true, trustServerCertificate: true, required: true }],
    ]);
    expect(tlsChoice(config())).toEqual({ encrypt: false, trustServerCertificate: false, required: false });
    expect(tlsChoice(config({ hooks_params: { SSL: { ssl_mode: 'verify-full', ca: 'PEM' } } }))).toEqual({ encrypt: true, trustServerCertificate: false, ca: 'PEM', required: true });
    expect(() => tlsChoice(config({ hooks_params: { SSL: { ssl_mode: 'verify-ca' } } }))).toThrow(/hooks_params.SSL.ca: ssl_mode verify-ca needs the CA/);
    expect(() => tlsChoice(config({ hooks_params: { SSL: { ssl_mode: 'require', cert: 'C', key: 'K' } } }))).toThrow(/hooks_params.SSL.cert: not supported/);
    expect(() => tlsChoice(config({ hooks_params: { SSL: { ssl_mode: 'verify-ca', ca_filename: '/nonexistent/ca.pem' } } }))).toThrow(/hooks_params.SSL.ca_filename: cannot read file/);
    const pool = toPoolConfig(config({ hooks_params: { SSL: { ssl_mode: 'verify-full', ca: 'PEM' } } }), { maxConnections: 2 });
    expect(pool.options).toMatchObject({ encrypt: true, trustServerCertificate: false, cryptoCredentialsDetails: { ca: 'PEM' }, useUTC: true, appName: 'sluice', abortTransactionOnError: true });
    expect(pool).toMatchObject({ server: 'db.example', port: 1433, database: 'sales', user: 'sluice', requestTimeout: 0, pool: { max: 2, min: 0 } });
  });

  test('through an SSH tunnel the socket goes to the tunnel, TLS still names the real host', () => {
    const pool = toPoolConfig(config(), { address: { host: '127.0.0.1', port: 40000 } });
    expect(pool.server).toBe('db.example');
    expect(typeof pool.options.connector).toBe('function');
    expect(toPoolConfig(config()).options.connector).toBeUndefined();
  });
});

describe('plugin', () => {
  test('declares every capability, computed Syntho functionalities', () => {
    expect(mssql.urlSchemes).toEqual(['mssql', 'sqlserver']);
    expect(functionalitiesOf(mssql.capabilities)).toMatchSnapshot();
    const ops = Object.fromEntries(Object.getOwnPropertyNames(Object.getPrototypeOf(Object.create(require('@sluice/connector-mssql/dist/mssql-session').MssqlSession.prototype))).map((n) => [n, () => undefined]));
    expect(() => checkDeclarations(mssql.capabilities, ops as never)).not.toThrow();
  });
  test('server version parsing', () => {
    expect(parseVersion('Microsoft SQL Server 2022 (RTM-CU14) (KB5038325) - 16.0.4135.4 (X64) \n\tJul 10 2024 14:09:09 \n\tCopyright (C) 2022 Microsoft Corporation\n\tDeveloper Edition (64-bit) on Linux (Ubuntu 22.04.4 LTS) <X64>', '16.0.4135.4'))
      .toEqual({ product: 'Microsoft SQL Server 2022', server_version: '16.0.4135', version: 'Microsoft SQL Server 2022 (RTM-CU14) (KB5038325) - 16.0.4135.4 (X64)' });
    expect(parseVersion('Microsoft SQL Azure (RTM) - 12.0.2000.8', '12.0.2000.8').product).toBe('Microsoft SQL Server');
  });
});

describe('error mapping', () => {
  /** The shapes mssql 12 / tedious 19 produce: mssql's ConnectionError/RequestError wrapping tedious' error (originalError), which wraps the socket's (cause). */
  const connErr = (message: string, code: string, cause?: object) => Object.assign(new Error(message), { name: 'ConnectionError', code, originalError: Object.assign(new Error(message), { code, cause }) });
  const reqErr = (message: string, number: number) => Object.assign(new Error(message), { name: 'RequestError', code: 'EREQUEST', number });
  const cases: [string, unknown, TestCode, boolean][] = [
    ['18456 login failed', connErr("Login failed for user 'sluice'.", 'ELOGIN'), TestCode.AUTHENTICATION_FAILED, false],
    ['18456 by number', Object.assign(connErr('Login failed.', 'ELOGIN'), { number: 18456 }), TestCode.AUTHENTICATION_FAILED, false],
    ['4060 cannot open database', connErr('Cannot open database "nope" requested by the login. The login failed.', 'ELOGIN'), TestCode.DATABASE_NOT_FOUND, false],
    ['4060 by number', Object.assign(connErr('Login failed.', 'ELOGIN'), { number: 4060 }), TestCode.DATABASE_NOT_FOUND, false],
    ['ESOCKET ECONNREFUSED', connErr('Failed to connect to h:1 - connect ECONNREFUSED 127.0.0.1:1', 'ESOCKET', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), TestCode.HOST_UNREACHABLE, true],
    ['ESOCKET ENOTFOUND', connErr('Failed to connect to nope:1433 - getaddrinfo ENOTFOUND nope', 'ESOCKET', Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })), TestCode.HOST_UNREACHABLE, true],
    ['ETIMEOUT', connErr('Failed to connect to h:1433 in 15000ms', 'ETIMEOUT'), TestCode.TIMEOUT, true],
    ['TLS self-signed', connErr('Failed to connect to h:1433 - self-signed certificate', 'ESOCKET', Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })), TestCode.TLS_ERROR, false],
    ['TLS host name', connErr("Failed to connect to h:1433 - Hostname/IP does not match certificate's altnames", 'ESOCKET', Object.assign(new Error('altnames'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })), TestCode.TLS_ERROR, false],
    ['EENCRYPT', connErr("Server requires encryption, set 'encrypt' config option to true.", 'EENCRYPT'), TestCode.TLS_ERROR, false],
    ['deadlock 1205', reqErr('Transaction (Process ID 52) was deadlocked', 1205), TestCode.DRIVER_ERROR, true],
    ['PK violation 2627', reqErr('Violation of PRIMARY KEY constraint', 2627), TestCode.DRIVER_ERROR, false],
    ['connection lost', connErr('Connection lost - read ECONNRESET', 'ESOCKET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), TestCode.HOST_UNREACHABLE, true],
  ];
  test.each(cases)('%s', (_name, err, code, retryable) => {
    const mapped = classifyMssqlError(err, ['Pw-s3cret!']);
    expect({ code: mapped.code, retryable: mapped.retryable }).toEqual({ code, retryable });
  });
  test('secrets are removed from messages; ConnectorErrors pass through', () => {
    expect(classifyMssqlError(new Error('bad password Pw-s3cret! for mssql://u:Pw-s3cret!@h/db'), ['Pw-s3cret!']).message).not.toContain('Pw-s3cret!');
    const own = new ConnectorError(TestCode.TLS_ERROR, 'x', false);
    expect(classifyMssqlError(own)).toBe(own);
    expect(classifyMssqlError(reqErr('Invalid object name', 208)).details).toEqual({ error_number: ['208'] });
  });
});

describe('test() without a server', () => {
  let silent: Server;
  let port: number;
  beforeAll(async () => {
    // Accepts and never answers: the TDS pre-login never completes.
    silent = createServer((socket) => void socket.resume());
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    port = (silent.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => silent.close(() => r())));

  test('a closed port is HOST_UNREACHABLE, a silent one TIMEOUT, bad hooks INVALID_CONFIG; never the password', async () => {
    const closed = await mssql.test(config({ host: '127.0.0.1', port: 1 }));
    expect(closed.code).toBe('HOST_UNREACHABLE');
    expect(JSON.stringify(closed)).not.toContain('Pw-s3cret!');
    const slow = await mssql.test(config({ host: '127.0.0.1', port, connect_timeout_ms: 500 }));
    expect(slow.code).toBe('TIMEOUT');
    const kerberos = await mssql.test(config({ hooks_params: { Kerberos: { principal: 'svc@CORP' } } }));
    expect(kerberos.code).toBe('INVALID_CONFIG');
    expect(kerberos.body).toContain('hooks_params.Kerberos');
    const tunnel = await mssql.test(config({ hooks_params: { SSHTunnel: { host: 'bastion' } } }));
    expect(tunnel.code).toBe('INVALID_CONFIG');
    expect(tunnel.body).toContain('hooks_params.SSHTunnel.username');
  });

  test('open() of an unreachable server fails with a retryable ConnectorError', async () => {
    await expect(mssql.open(config({ host: '127.0.0.1', port: 1 }))).rejects.toMatchObject({ code: 'HOST_UNREACHABLE', retryable: true });
  });
});
