import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:tls';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import oracledb from 'oracledb';
import oracle, { classifyOracleError, connectDescriptor, oracleConfigSchema, toConnectOptions, walletFor, type OracleConfig } from '@sluice/connector-oracle';
import { ConfigError, ConnectorError, ConnectorRegistry, parseConfig, parseConnectionUrl, propertySpecs } from '@sluice/connector-sdk';

const fromUrl = (url: string) => parseConfig(oracleConfigSchema, { connector_type: 'OracleConnector', ...parseConnectionUrl(url) }) as OracleConfig;
const problems = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof ConfigError ? err.issues.map((i) => i.field) : [String(err)];
  }
  return [];
};

describe('config', () => {
  test('Syntho CreateOracleConnector fields and defaults (port 1521, protocol oracle+oracledb) plus sid', () => {
    expect(fromUrl('oracle://scott:t%40ger@db.example:1522/FREEPDB1')).toEqual({
      connector_type: 'OracleConnector', host: 'db.example', port: 1522, database: 'FREEPDB1', username: 'scott', password: 't@ger',
      protocol: 'oracle+oracledb', include_views: false, connect_timeout_ms: 10_000, sid: false,
    });
    expect(fromUrl('oracledb://u:p@h/XEPDB1').port).toBe(1521);
    const specs = propertySpecs(oracleConfigSchema);
    expect(specs.port).toEqual({ type: 'integer', default: 1521, values: null });
    expect(specs.protocol).toEqual({ type: 'string', default: 'oracle+oracledb', values: null });
    expect(specs.sid).toEqual({ type: 'boolean', default: false, values: null });
    expect(Object.keys(specs)).toEqual(expect.arrayContaining(['host', 'database', 'username', 'password', 'schema_name', 'include_views', 'is_source']));
  });

  test('service name by default; a SID by ?sid=NAME or ?sid=true', () => {
    const service = fromUrl('oracle://u:p@h:1521/FREEPDB1');
    expect(connectDescriptor(service, service, false)).toBe('(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=h)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=FREEPDB1)))');
    const sid = fromUrl('oracle://u:p@h:1521/?sid=XE');
    expect([sid.database, sid.sid]).toEqual(['XE', true]);
    expect(connectDescriptor(sid, sid, false)).toBe('(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=h)(PORT=1521))(CONNECT_DATA=(SID=XE)))');
    expect(fromUrl('oracle://u:p@h/XE?sid=true')).toMatchObject({ database: 'XE', sid: true });
    expect(fromUrl('oracle://u:p@h/XE?sid=XE')).toMatchObject({ database: 'XE', sid: true });
    expect(parseConfig(oracleConfigSchema, { connector_type: 'OracleConnector', host: 'h', database: 'ORCL', username: 'u', password: 'p', sid: true })).toMatchObject({ sid: true, port: 1521 });
    expect(problems(() => fromUrl('oracle://u:p@h/A?sid=B'))).toEqual(['sid']);
    expect(problems(() => fromUrl('oracle://u:p@h/?sid='))).toEqual(['database']);
  });

  test('invalid config names each field', () => {
    expect(problems(() => parseConfig(oracleConfigSchema, { connector_type: 'OracleConnector', host: '', database: 'X', username: 'u', password: 'p', port: 0 })).sort()).toEqual(['host', 'port']);
    expect(() => fromUrl('oracle://u:p@h/X?authSource=admin')).toThrow(/unknown field\(s\) auth_source/);
    const bad = fromUrl('oracle://u:p@h/A');
    expect(problems(() => connectDescriptor({ ...bad, database: 'A)(HOST=evil' }, bad, false))).toEqual(['database']);
    expect(problems(() => toConnectOptions({ ...bad, hooks_params: { Kerberos: { principal: 'x' } } }))).toEqual(['hooks_params.Kerberos']);
  });

  test('the registry resolves oracle:// and oracledb:// URLs and Syntho configs', () => {
    const registry = new ConnectorRegistry().register(oracle);
    expect(registry.resolve({ url: 'oracle://u:p@h/FREEPDB1' }).plugin.type).toBe('oracle');
    expect(registry.resolve({ url: 'oracledb://u:p@h/FREEPDB1' }).config.port).toBe(1521);
    expect(registry.resolve({ config: { connector_type: 'OracleConnector', host: 'h', database: 'd', username: 'u', password: 'p', port: null, protocol: null } }).config).toMatchObject({ port: 1521, protocol: 'oracle+oracledb' });
  });

  test('connect options: thin-mode timeouts in seconds, program name, TLS by the SSL hook', () => {
    const c = fromUrl('oracle://u:p@h/S?connect_timeout=2.5');
    const plain = toConnectOptions(c);
    expect(plain).toMatchObject({ user: 'u', password: 'p', connectTimeout: 3, transportConnectTimeout: 3, program: 'sluice' });
    expect(plain).not.toHaveProperty('walletContent');
    expect(toConnectOptions(fromUrl('oracle://u:p@h/S?sslmode=require')).connectString).toContain('(PROTOCOL=TCPS)');
    expect(toConnectOptions(fromUrl('oracle://u:p@h/S?sslmode=verify-full')).sslServerDNMatch).toBe(true);
    expect(toConnectOptions(fromUrl('oracle://u:p@h/S?sslmode=verify-ca')).sslServerDNMatch).toBe(false);
    expect(toConnectOptions(fromUrl('oracle://u:p@h/S?sslmode=prefer'), false).connectString).toContain('(PROTOCOL=TCP)');
    expect(toConnectOptions(fromUrl('oracle://u:p@h/S?sslmode=allow')).connectString).toContain('(PROTOCOL=TCP)');
    const viaTunnel = { ...fromUrl('oracle://u:p@h/S?sslmode=verify-full'), hooks_params: { SSL: { ssl_mode: 'verify-full' as const } } };
    expect(problems(() => toConnectOptions(viaTunnel, undefined, { host: '127.0.0.1', port: 40000 }))).toEqual(['hooks_params.SSL.ssl_mode']);
    const halfCert = { ...c, hooks_params: { SSL: { ssl_mode: 'require' as const, cert: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' } } };
    expect(problems(() => toConnectOptions(halfCert))).toEqual(['hooks_params.SSL.key']);
  });
});

describe('errors', () => {
  const err = (code: string, message: string, errorNum?: number) => Object.assign(new Error(message), { code, errorNum });
  test.each([
    ['ORA-01017', 'ORA-01017: invalid credential or not authorized; logon denied', 1017, 'AUTHENTICATION_FAILED', false],
    ['ORA-28000', 'ORA-28000: The account is locked.', 28000, 'AUTHENTICATION_FAILED', false],
    ['NJS-518', 'NJS-518: cannot connect to Oracle Database. Service "NOPE" is not registered with the listener at host h port 1521.', undefined, 'DATABASE_NOT_FOUND', false],
    ['NJS-519', 'NJS-519: cannot connect to Oracle Database. SID "NOPE" is not registered with the listener', undefined, 'DATABASE_NOT_FOUND', false],
    ['ORA-12514', 'ORA-12514: Cannot connect to database. Service x is not registered with the listener', 12514, 'DATABASE_NOT_FOUND', false],
    ['ORA-12505', 'ORA-12505: Cannot connect to database. SID x is not registered with the listener', 12505, 'DATABASE_NOT_FOUND', false],
    ['NJS-503', 'NJS-503: connection to host 127.0.0.1 port 1 could not be established. (CONNECTION_ID=x)\nconnect ECONNREFUSED 127.0.0.1:1', undefined, 'HOST_UNREACHABLE', true],
    ['NJS-500', 'NJS-500: connection to Oracle Database was closed or broken', undefined, 'HOST_UNREACHABLE', true],
    ['NJS-530', 'NJS-530: The host addresses or URLs provided by the connect string are incorrect or unresolvable in your network.', undefined, 'HOST_UNREACHABLE', true],
    ['NJS-511', 'NJS-511: connection to listener at host h port 1 was refused. (CONNECTION_ID=x)\nCause: ORA-12516', undefined, 'DRIVER_ERROR', true],
    ['NJS-510', 'NJS-510: connection to host h port 1521 timed out. Request exceeded "connectTimeout" of 3 seconds.', undefined, 'TIMEOUT', true],
    ['NJS-123', 'NJS-123: call timeout of 5000 ms exceeded', undefined, 'TIMEOUT', true],
    ['NJS-506', 'NJS-506: connection to host h port 2484 encountered TLS handshake failure.', undefined, 'TLS_ERROR', false],
    ['NJS-505', 'NJS-505: unable to initiate TLS connection. Please check if wallet credentials are valid', undefined, 'TLS_ERROR', false],
    ['ORA-00060', 'ORA-00060: deadlock detected while waiting for resource', 60, 'DRIVER_ERROR', true],
    ['ORA-00001', 'ORA-00001: unique constraint (S.PK) violated', 1, 'DRIVER_ERROR', false],
    ['ORA-01400', 'ORA-01400: cannot insert NULL into ("S"."T"."V")', 1400, 'DRIVER_ERROR', false],
  ])('%s → %s', (code, message, errorNum, expected, retryable) => {
    const classified = classifyOracleError(err(code, message, errorNum));
    expect([classified.code, classified.retryable]).toEqual([expected, retryable]);
  });

  test('secrets and the help URL are removed; a ConnectorError passes through', () => {
    const e = classifyOracleError(err('ORA-01017', 'ORA-01017: invalid credential for Tk-S3cret\nHelp: https://docs.oracle.com/error-help/db/ora-01017/', 1017), ['Tk-S3cret']);
    expect(e.message).toBe('ORA-01017: invalid credential for *****');
    const own = new ConnectorError('TIMEOUT', 'x', true);
    expect(classifyOracleError(own)).toBe(own);
  });

  test('the real driver against a closed port: HOST_UNREACHABLE; against a port that is not Oracle: not an auth error', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const config = fromUrl(`oracle://u:Tk-S3cret@127.0.0.1:${port}/FREEPDB1?connect_timeout=2`);
    const answer = await oracle.test(config);
    expect(answer.code).toBe('HOST_UNREACHABLE');
    expect(JSON.stringify(answer)).not.toContain('Tk-S3cret');
    await expect(oracle.open(config)).rejects.toMatchObject({ code: 'HOST_UNREACHABLE', retryable: true });
  });

  test('Kerberos is refused by name', async () => {
    const answer = await oracle.test({ ...fromUrl('oracle://u:p@127.0.0.1:1/X'), hooks_params: { Kerberos: { principal: 'u@R' } } });
    expect(answer.code).toBe('INVALID_CONFIG');
    expect(answer.body).toContain('hooks_params.Kerberos');
  });
});

// TLS through the real driver against a local TLS server (it is no Oracle listener: after the handshake the driver fails on the protocol).
const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(openssl ? describe : describe.skip)('TLS wallet (thin mode)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-oracle-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  beforeAll(() => {
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=sluice-test-ca');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=localhost');
    require('node:fs').writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    run('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext.cnf');
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=other');
  });

  async function handshake(wallet: string | undefined, dnMatch: boolean): Promise<string> {
    const server = createTlsServer({ key: readFileSync(join(dir, 'srv.key')), cert: readFileSync(join(dir, 'srv.pem')) }, (s) => s.destroy());
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await oracledb.getConnection({
        user: 'u', password: 'p', connectTimeout: 3, transportConnectTimeout: 3, sslServerDNMatch: dnMatch,
        connectString: `(DESCRIPTION=(ADDRESS=(PROTOCOL=TCPS)(HOST=127.0.0.1)(PORT=${port}))(CONNECT_DATA=(SERVICE_NAME=X)))`,
        ...(wallet ? { walletContent: wallet } : {}),
      });
      return 'connected';
    } catch (err) {
      return classifyOracleError(err).code;
    } finally {
      server.close();
    }
  }

  test('a CA alone (no client certificate) verifies the server: the handshake passes with the right CA, TLS_ERROR with another', async () => {
    const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
    expect(await handshake(walletFor({ ca }), false)).not.toBe('TLS_ERROR');
    expect(await handshake(walletFor({ ca }), true)).not.toBe('TLS_ERROR'); // host name 127.0.0.1 is in the certificate
    expect(await handshake(walletFor({ ca: readFileSync(join(dir, 'other.pem'), 'utf8') }), false)).toBe('TLS_ERROR');
    expect(await handshake(undefined, false)).toBe('TLS_ERROR'); // a private CA is not among Node's roots
  });

  test('a client certificate and key are the wallet, the CA follows', () => {
    const wallet = walletFor({ ca: 'CA\n', cert: 'CERT\n', key: 'KEY\n' });
    expect(wallet).toBe('CERT\nCA\nKEY\n');
    expect(walletFor({})).toBeUndefined();
  });
});
