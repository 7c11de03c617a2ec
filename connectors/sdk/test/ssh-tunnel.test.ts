import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import {
  ConfigError,
  ConnectorError,
  openSshTunnel,
  throughTunnel,
  TestCode,
  type SshTunnelHook,
} from '@sluice/connector-sdk';

// The tunnel against the real sshd of scripts/start-sshd.sh (SLUICE_SSH_URL), forwarding to an echo server here.
const sshUrl = process.env.SLUICE_SSH_URL;
const withSshd = sshUrl ? describe : describe.skip;
const skipped = sshUrl ? '' : ' (skipped: SLUICE_SSH_URL is not set; run scripts/setup.sh)';

function hookFromUrl(url: string): SshTunnelHook {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 22),
    username: decodeURIComponent(u.username),
    pkey: readFileSync(u.searchParams.get('key')!, 'utf8'),
  };
}

const listening = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

/** A port nothing listens on (taken from the OS, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listening(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends `text` to host:port and resolves with what comes back before the peer ends; rejects when refused. */
function roundTrip(port: number, text: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let got = '';
    socket.on('error', reject);
    socket.on('data', (d) => {
      got += d.toString();
      if (got.length >= text.length) socket.end();
    });
    socket.on('close', () => resolve(got));
    socket.write(text);
  });
}

const refuses = (port: number) =>
  roundTrip(port, 'x').then(
    () => false,
    (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
  );

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

describe('SSH tunnel hook validation', () => {
  test('host, username and a password or key are required, named by field', async () => {
    const err = await failure(openSshTunnel({}, { host: '127.0.0.1', port: 1 }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe(TestCode.INVALID_CONFIG);
    expect(Object.keys(err.details).sort()).toEqual([
      'hooks_params.SSHTunnel.host',
      'hooks_params.SSHTunnel.password',
      'hooks_params.SSHTunnel.username',
    ]);
  });

  test('a server that never speaks SSH times out as TIMEOUT within the limit', async () => {
    const silent = createServer(() => undefined);
    const port = await listening(silent);
    try {
      const started = Date.now();
      const err = await failure(
        openSshTunnel({ host: '127.0.0.1', port, username: 'u', password: 'Secret-Pw-123' }, { host: '127.0.0.1', port: 1 }, { timeoutMs: 500 }),
      );
      expect(err.code).toBe(TestCode.TIMEOUT);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(err.message).not.toContain('Secret-Pw-123');
    } finally {
      silent.close();
    }
  });

  test('an unparsable key is a config error naming pkey, without echoing it', async () => {
    const err = await failure(
      openSshTunnel({ host: '127.0.0.1', port: 1, username: 'u', pkey: 'not-a-key-Secret-123' }, { host: '127.0.0.1', port: 1 }),
    );
    expect(err.details['hooks_params.SSHTunnel.pkey']).toBeDefined();
    expect(err.message).not.toContain('not-a-key-Secret-123');
  });
});

withSshd(`SSH tunnel through the real sshd${skipped}`, () => {
  let echo: Server;
  let echoPort: number;
  const hook = () => hookFromUrl(sshUrl!);

  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s));
    echoPort = await listening(echo);
  });
  afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

  test('forwards concurrent connections to the target; close() refuses new ones and is idempotent', async () => {
    const tunnel = await openSshTunnel(hook(), { host: '127.0.0.1', port: echoPort });
    expect(tunnel.host).toBe('127.0.0.1');
    const texts = Array.from({ length: 5 }, (_, i) => `hello ${i} `.repeat(2000));
    expect(await Promise.all(texts.map((t) => roundTrip(tunnel.port, t)))).toEqual(texts);
    await tunnel.close();
    await tunnel.close();
    expect(await refuses(tunnel.port)).toBe(true);
  });

  test('listens on the configured local port', async () => {
    const port = await freePort();
    const tunnel = await openSshTunnel({ ...hook(), local_host: '127.0.0.1', local_port: port }, { host: '127.0.0.1', port: echoPort });
    try {
      expect(tunnel.port).toBe(port);
      expect(await roundTrip(port, 'ping')).toBe('ping');
    } finally {
      await tunnel.close();
    }
    expect(await refuses(port)).toBe(true);
  });

  test('a key the server does not know: AUTHENTICATION_FAILED naming the tunnel, no key material', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const err = await failure(openSshTunnel({ ...hook(), pkey: privateKey }, { host: '127.0.0.1', port: echoPort }));
    expect(err.code).toBe(TestCode.AUTHENTICATION_FAILED);
    expect(err.message).toMatch(/SSH tunnel/);
    const body = privateKey.split('\n')[5]!;
    expect(JSON.stringify(err)).not.toContain(body);
    expect(err.message).not.toContain('PRIVATE KEY');
  });

  test('a refused password: AUTHENTICATION_FAILED without the password', async () => {
    const { pkey: _, ...rest } = hook();
    const err = await failure(openSshTunnel({ ...rest, password: 'Wr0ng-Ssh-Pw' }, { host: '127.0.0.1', port: echoPort }));
    expect(err.code).toBe(TestCode.AUTHENTICATION_FAILED);
    expect(JSON.stringify(err) + err.message).not.toContain('Wr0ng-Ssh-Pw');
  });

  test('an encrypted key: the passphrase decrypts it; a wrong one names pkey_password', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'Key-Pass-123' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    // Decrypted, then refused by the server (it is not authorized): the passphrase was used.
    const decrypted = await failure(
      openSshTunnel({ ...hook(), pkey: privateKey, pkey_password: 'Key-Pass-123' }, { host: '127.0.0.1', port: echoPort }),
    );
    expect(decrypted.code).toBe(TestCode.AUTHENTICATION_FAILED);
    const wrong = await failure(
      openSshTunnel({ ...hook(), pkey: privateKey, pkey_password: 'Not-The-Pass' }, { host: '127.0.0.1', port: echoPort }),
    );
    expect(wrong.details['hooks_params.SSHTunnel.pkey_password']).toBeDefined();
    expect(wrong.message).not.toContain('Not-The-Pass');
  });

  test('an SSH port nobody listens on: HOST_UNREACHABLE', async () => {
    const err = await failure(openSshTunnel({ ...hook(), port: await freePort() }, { host: '127.0.0.1', port: echoPort }));
    expect(err.code).toBe(TestCode.HOST_UNREACHABLE);
    expect(err.retryable).toBe(true);
  });

  test('a target the SSH server cannot reach: throughTunnel reports HOST_UNREACHABLE from the tunnel', async () => {
    const target = await freePort();
    const config = { host: '127.0.0.1', port: target, connect_timeout_ms: 5_000, hooks_params: { SSHTunnel: hook() } };
    const err = await failure(throughTunnel(config, (address) => roundTrip(address.port, 'x', address.host).then(() => {
      throw new Error('socket closed');
    })));
    expect(err.code).toBe(TestCode.HOST_UNREACHABLE);
    expect(err.message).toContain(`127.0.0.1:${target}`);
  });
});
