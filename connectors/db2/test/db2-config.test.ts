import db2, { classifyDb2Error, connValue, connectionString, sslSettings } from '@sluice/connector-db2';
import { ConfigError, parseConfig, parseConnectionUrl } from '@sluice/connector-sdk';
import { readFileSync } from 'node:fs';

const base = { connector_type: 'DB2Connector', host: 'db2.example', database: 'SLUICE', username: 'db2inst1', password: 'pw' };
const parse = (input: Record<string, unknown>) => parseConfig(db2.configSchema, { ...base, ...input });

test('config: Syntho CreateDB2Connector fields and defaults', () => {
  expect(parse({})).toEqual({
    ...base, port: 50000, protocol: 'db2', include_views: false, connect_timeout_ms: 10_000,
  });
  expect(parse({ port: null, protocol: null, schema_name: 'APP' })).toMatchObject({ port: 50000, protocol: 'db2', schema_name: 'APP' });
});

test('config: bad fields are named, values never echoed', () => {
  const err = (() => {
    try {
      parse({ port: 70000, host: '', extra: 's3cr3t' });
    } catch (e) {
      return e as ConfigError;
    }
    throw new Error('expected a ConfigError');
  })();
  expect(err.code).toBe('INVALID_CONFIG');
  expect(Object.keys(err.details).sort()).toEqual(['(config)', 'host', 'port']);
  expect(err.message).not.toContain('s3cr3t');
});

test('URL db2://user:pw@host:50000/DBNAME maps onto the config', () => {
  const config = parseConfig(db2.configSchema, { connector_type: 'DB2Connector', ...parseConnectionUrl('db2://db2inst1:p%3Bw%7D@db2.example:50001/SLUICE?schema=APP&connect_timeout=5') });
  expect(config).toMatchObject({ host: 'db2.example', port: 50001, database: 'SLUICE', username: 'db2inst1', password: 'p;w}', schema_name: 'APP', connect_timeout_ms: 5000 });
  expect(() => parseConnectionUrl('db2://u:p@h/DB?bogus=1')).toThrow(/url\?bogus/);
});

test('connection string: keywords in order, values with ; { } = or blanks in braces', () => {
  expect(connectionString(parse({}))).toBe('DATABASE=SLUICE;HOSTNAME=db2.example;PORT=50000;PROTOCOL=TCPIP;UID=db2inst1;PWD=pw;ConnectTimeout=10;');
  expect(connValue('plain-Pw_1')).toBe('plain-Pw_1');
  expect(connValue('a;b')).toBe('{a;b}');
  expect(connValue('a}b;')).toBe('{a}}b;}');
  expect(connValue('x=1')).toBe('{x=1}');
  expect(connValue(' lead')).toBe('{ lead}');
  const s = connectionString(parse({ password: 'p;UID=admin;' }), { host: '127.0.0.1', port: 40001 });
  expect(s).toBe('DATABASE=SLUICE;HOSTNAME=127.0.0.1;PORT=40001;PROTOCOL=TCPIP;UID=db2inst1;PWD={p;UID=admin;};ConnectTimeout=10;');
  expect(connectionString(parse({ connect_timeout_ms: 1500 }))).toContain('ConnectTimeout=2;');
});

test('SSL hook → Security=SSL;SSLServerCertificate=…; PEM text to a private temp file; client certs refused by name', () => {
  expect(sslSettings(parse({ hooks_params: { SSL: { ssl_mode: 'disable' } } }))).toBeNull();
  expect(sslSettings(parse({}))).toBeNull();
  const withFile = sslSettings(parse({ hooks_params: { SSL: { ssl_mode: 'verify-full', ca_filename: '/etc/db2/ca.arm' } } }))!;
  expect(withFile.keywords).toEqual([['Security', 'SSL'], ['SSLServerCertificate', '/etc/db2/ca.arm'], ['SSLClientHostnameValidation', 'Basic']]);
  expect(connectionString(parse({ hooks_params: { SSL: { ssl_mode: 'require' } } }), undefined, sslSettings(parse({ hooks_params: { SSL: { ssl_mode: 'require' } } }))))
    .toMatch(/;Security=SSL;$/);
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const inline = sslSettings(parse({ hooks_params: { SSL: { ssl_mode: 'verify-ca', ca: pem } } }))!;
  const file = inline.keywords.find(([k]) => k === 'SSLServerCertificate')![1];
  expect(readFileSync(file, 'utf8')).toBe(pem);
  inline.dispose();
  expect(() => readFileSync(file)).toThrow();
  expect(() => sslSettings(parse({ hooks_params: { SSL: { ssl_mode: 'require', cert: 'x', key: 'y' } } }))).toThrow(/hooks_params\.SSL\.cert.*GSKit keystore.*hooks_params\.SSL\.key/s);
  expect(() => sslSettings(parse({ hooks_params: { SSL: { ssl_mode: 'verify-ca' } } }))).toThrow(/hooks_params\.SSL\.ca: ssl_mode verify-ca needs the CA/);
});

test('Kerberos is refused by name', () => {
  expect(() => connectionString(parse({ hooks_params: { Kerberos: { principal: 'p@R' } } }))).toThrow(/hooks_params\.Kerberos: not supported/);
});

describe('error mapping from SQLCODE / SQLSTATE', () => {
  const cases: [string, { message: string; sqlcode?: number; sqlstate?: string }, string, boolean][] = [
    ['SQL30082N reason 24', { message: '[IBM][CLI Driver] SQL30082N  Security processing failed with reason "24" ("USERNAME AND/OR PASSWORD INVALID").  SQLSTATE=08001\r\n', sqlcode: -30082, sqlstate: '08001' }, 'AUTHENTICATION_FAILED', false],
    ['SQL30082N without sqlcode', { message: '[IBM][CLI Driver] SQL30082N  Security processing failed with reason "24" ("USERNAME AND/OR PASSWORD INVALID").  SQLSTATE=08001' }, 'AUTHENTICATION_FAILED', false],
    ['SQL1060N', { message: '[IBM][CLI Driver][DB2/LINUXX8664] SQL1060N  User "BOB" does not have the CONNECT privilege.  SQLSTATE=08004', sqlcode: -1060, sqlstate: '08004' }, 'AUTHENTICATION_FAILED', false],
    ['SQL1013N', { message: '[IBM][CLI Driver] SQL1013N  The database alias name or database name "NOPE" could not be found.  SQLSTATE=42705', sqlcode: -1013, sqlstate: '42705' }, 'DATABASE_NOT_FOUND', false],
    ['SQL30061N', { message: '[IBM][CLI Driver] SQL30061N  The database alias or database name "NOPE" was not found at the remote node.  SQLSTATE=08004', sqlcode: -30061, sqlstate: '08004' }, 'DATABASE_NOT_FOUND', false],
    ['SQL30081N refused', { message: '[IBM][CLI Driver] SQL30081N  A communication error has been detected. Communication protocol being used: "TCP/IP".  Communication API being used: "SOCKETS".  Location where the error was detected: "10.0.0.9".  Communication function detecting the error: "connect".  Protocol specific error code(s): "111", "*", "*".  SQLSTATE=08001', sqlcode: -30081, sqlstate: '08001' }, 'HOST_UNREACHABLE', true],
    ['SQL30081N connect timeout', { message: '[IBM][CLI Driver] SQL30081N  A communication error has been detected. Communication protocol being used: "TCP/IP".  Communication API being used: "SOCKETS".  Location where the error was detected: "10.0.0.9".  Communication function detecting the error: "selectForConnectTimeout".  Protocol specific error code(s): "0", "*", "*".  SQLSTATE=08001', sqlcode: -30081, sqlstate: '08001' }, 'TIMEOUT', true],
    ['SQL30081N GSKit', { message: '[IBM][CLI Driver] SQL30081N  A communication error has been detected. Communication protocol being used: "SSL".  Communication API being used: "SOCKETS".  Location where the error was detected: "".  Communication function detecting the error: "sqlccSSLSocketSetup".  Protocol specific error code(s): "414", "*", "*".  SQLSTATE=08001', sqlcode: -30081, sqlstate: '08001' }, 'TLS_ERROR', false],
    ['ibm_db not connected', { message: 'Connection not open.', sqlcode: -30081, sqlstate: '08001' }, 'HOST_UNREACHABLE', true],
    ['query timeout HYT00', { message: '[IBM][CLI Driver] CLI0115E  Invalid cursor state. SQLSTATE=HYT00', sqlstate: 'HYT00', sqlcode: -99999 }, 'TIMEOUT', true],
    ['deadlock -911', { message: '[IBM][CLI Driver][DB2/LINUXX8664] SQL0911N  The current transaction has been rolled back because of a deadlock or timeout.  Reason code "2".  SQLSTATE=40001', sqlcode: -911, sqlstate: '40001' }, 'DRIVER_ERROR', true],
    ['duplicate key -803', { message: '[IBM][CLI Driver][DB2/LINUXX8664] SQL0803N  One or more values in the INSERT statement ... are not valid because the primary key ... SQLSTATE=23505', sqlcode: -803, sqlstate: '23505' }, 'DRIVER_ERROR', false],
  ];
  test.each(cases)('%s', (_name, err, code, retryable) => {
    const mapped = classifyDb2Error(err, ['Tk-Secret-9']);
    expect({ code: mapped.code, retryable: mapped.retryable }).toEqual({ code, retryable });
    expect(mapped.message).not.toMatch(/\r|\n/);
  });
  test('secrets are removed from messages', () => {
    const mapped = classifyDb2Error({ message: 'SQL0104N  An unexpected token "Tk-Secret-9" was found', sqlcode: -104, sqlstate: '42601' }, ['Tk-Secret-9']);
    expect(mapped.message).not.toContain('Tk-Secret-9');
    expect(mapped.details.sqlcode).toEqual(['-104']);
  });
});
