import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SluiceClient, TemporalConfigError, TemporalConnectError, temporalConnectionOptions } from '@sluice/client';
import { startDevServer, type DevServer } from '@sluice/cli';
import { envWithout, runSluice } from './helpers/cli';
import { pgUrl } from './helpers/databases';
import { makeTestPki, startTlsTerminator, type TestPki, type TlsTerminator } from './helpers/tls-terminator';

// One set of TEMPORAL_* variables for the CLI, the client and the worker, checked
// against a real dev server behind a real TLS terminator with a self-signed CA.

const WORKER_MAIN = join(__dirname, '..', 'worker', 'dist', 'main.js');
const TEMPORAL_VARS = [
  'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS', 'TEMPORAL_TLS_CA',
  'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_SERVER_NAME', 'SLUICE_TASK_QUEUE',
];

let pki: TestPki;
let server: DevServer;
let proxy: TlsTerminator;
let mtlsProxy: TlsTerminator;
const taskQueue = `tls-${process.pid}-${Date.now()}`;
const workers: ChildProcess[] = [];

/** The test's environment with no Temporal settings, plus `vars`. */
function envWith(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { ...envWithout(...TEMPORAL_VARS), ...vars };
}

/** `sluice-worker` as a process: resolves once it polls (its start line) or with its exit code and stderr. */
function startWorker(env: NodeJS.ProcessEnv): Promise<{ polling: boolean; code: number | null; stderr: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [WORKER_MAIN], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  workers.push(child);
  let stderr = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ polling: false, code: null, stderr: stderr + '\n(no start line within 30 s)', child }), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/sluice worker on /.test(stderr)) {
        clearTimeout(timer);
        resolve({ polling: true, code: null, stderr, child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ polling: false, code, stderr, child });
    });
  });
}

function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

beforeAll(async () => {
  pki = makeTestPki();
  server = await startDevServer({ headless: true });
  proxy = await startTlsTerminator(pki, server.address);
  mtlsProxy = await startTlsTerminator(pki, server.address, { clientCa: pki.caFile });
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map(stopWorker));
  await proxy?.close();
  await mtlsProxy?.close();
  await server?.stop();
  pki?.remove();
});

describe('temporalConnectionOptions', () => {
  test('defaults: localhost:7233, namespace default, plaintext', () => {
    expect(temporalConnectionOptions({})).toEqual({ address: 'localhost:7233', namespace: 'default' });
  });

  test('a CA file turns TLS on and is read into the TLS config both SDKs take', () => {
    const s = temporalConnectionOptions({ TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_NAMESPACE: 'prod', TEMPORAL_TLS_CA: pki.caFile, TEMPORAL_TLS_SERVER_NAME: 'frontend.example' });
    expect(s.address).toBe('temporal.example:7233');
    expect(s.namespace).toBe('prod');
    expect(Buffer.from(s.tls!.serverRootCACertificate!).equals(readFileSync(pki.caFile))).toBe(true);
    expect(s.tls!.serverNameOverride).toBe('frontend.example');
    expect(s.tls!.clientCertPair).toBeUndefined();
  });

  test('an API key turns TLS on (Temporal Cloud) unless TEMPORAL_TLS=false; TEMPORAL_TLS=true alone uses the system CAs', () => {
    expect(temporalConnectionOptions({ TEMPORAL_API_KEY: 'k' })).toMatchObject({ apiKey: 'k', tls: {} });
    expect(temporalConnectionOptions({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).tls).toBeUndefined();
    expect(temporalConnectionOptions({ TEMPORAL_TLS: 'true' }).tls).toEqual({});
    expect(temporalConnectionOptions({ TEMPORAL_API_KEY: '', TEMPORAL_TLS: '' }).tls).toBeUndefined();
  });

  test.each([
    [{ TEMPORAL_TLS_CA: '/nonexistent/ca.pem' }, 'TEMPORAL_TLS_CA: cannot read /nonexistent/ca.pem: no such file'],
    [{ TEMPORAL_TLS_CA: '/tmp' }, 'TEMPORAL_TLS_CA: cannot read /tmp: is a directory'],
    [{ TEMPORAL_TLS_CERT: 'CLIENT_CERT' }, 'TEMPORAL_TLS_KEY: not set, but TEMPORAL_TLS_CERT is'],
    [{ TEMPORAL_TLS: 'maybe' }, 'TEMPORAL_TLS: expected true or false'],
    [{ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: 'CA' }, 'TEMPORAL_TLS: false, but TEMPORAL_TLS_CA is set'],
    [{ TEMPORAL_ADDRESS: 'https://temporal.example:7233' }, 'TEMPORAL_ADDRESS: expected host:port'],
    [{ TEMPORAL_TLS_KEY: 'SERVER_CERT', TEMPORAL_TLS_CERT: 'CLIENT_CERT' }, 'TEMPORAL_TLS_KEY: ' /* a certificate is no key */],
  ])('%j is refused, naming the variable', (vars, message) => {
    const files: Record<string, string> = { CA: pki.caFile, CLIENT_CERT: pki.clientCertFile, SERVER_CERT: pki.serverCertFile };
    const env = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, files[v] ?? v]));
    expect(() => temporalConnectionOptions(env)).toThrow(TemporalConfigError);
    expect(() => temporalConnectionOptions(env)).toThrow(message);
  });
});

describe('through a TLS terminator with a self-signed CA', () => {
  const withCa = () => ({ TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_CA: pki.caFile });

  test('with TEMPORAL_TLS_CA the worker, the client and the CLI connect: a job runs end to end over TLS', async () => {
    const before = proxy.sessions();
    const worker = await startWorker(envWith({ ...withCa(), SLUICE_TASK_QUEUE: taskQueue }));
    expect(worker.stderr).toContain(`sluice worker on ${proxy.address} (TLS)`);
    expect(worker.polling).toBe(true);

    const client = await SluiceClient.connect({ temporal: temporalConnectionOptions(withCa()), taskQueue });
    try {
      const jobId = await client.startTestConnection({ url: pgUrl() });
      const message = await client.testConnectionResult(jobId); // the worker behind TLS ran it
      expect(message.code).toBe('CONNECTION_OK');

      const listed = await runSluice(['job', 'list', '--json'], envWith(withCa()));
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      expect((JSON.parse(listed.stdout) as { id: string }[]).map((j) => j.id)).toContain(jobId);
    } finally {
      await client.close();
    }
    expect(proxy.sessions()).toBeGreaterThanOrEqual(before + 3); // worker, client and CLI each came through the terminator
  });

  test('without the CA all three refuse, and say the certificate is not signed by a CA we trust (TEMPORAL_TLS_CA)', async () => {
    const noCa = { TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS: 'true' };
    const [cli, worker, client] = await Promise.all([
      runSluice(['job', 'list', '--json'], envWith(noCa)),
      startWorker(envWith({ ...noCa, SLUICE_TASK_QUEUE: taskQueue })),
      SluiceClient.connect({ temporal: temporalConnectionOptions(noCa), connectionOptions: { connectTimeout: 2000 } }).then(
        (c) => c.close().then(() => undefined),
        (err: unknown) => err,
      ),
    ]);
    const said = /TLS: the certificate of the Temporal server at localhost:\d+ is not signed by a CA we trust — set TEMPORAL_TLS_CA/;
    expect(cli.code).toBe(1);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toMatch(said);
    expect(worker.polling).toBe(false);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(said);
    expect(client).toBeInstanceOf(TemporalConnectError);
    expect((client as TemporalConnectError).reason).toBe('UNTRUSTED_CERTIFICATE');
    expect((client as Error).message).toMatch(said);
  });

  test('a CA that did not sign the server certificate is named as the wrong one', async () => {
    const worker = await startWorker(envWith({ TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_CA: pki.otherCaFile }));
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain(`is not signed by the CA in TEMPORAL_TLS_CA (${pki.otherCaFile})`);
  });

  test('a server name the certificate does not hold: refused, naming TEMPORAL_TLS_SERVER_NAME and the names it holds', async () => {
    const wrongName = { ...withCa(), TEMPORAL_TLS_SERVER_NAME: 'temporal.example' };
    const [cli, worker, client] = await Promise.all([
      runSluice(['job', 'list', '--json'], envWith(wrongName)),
      startWorker(envWith(wrongName)),
      SluiceClient.connect({ temporal: temporalConnectionOptions(wrongName), connectionOptions: { connectTimeout: 2000 } }).then(
        (c) => c.close().then(() => undefined),
        (err: unknown) => err,
      ),
    ]);
    const said = /is for localhost, 127\.0\.0\.1, not "temporal\.example" \(TEMPORAL_TLS_SERVER_NAME\) — set TEMPORAL_TLS_SERVER_NAME/;
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(said);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(said);
    expect((client as TemporalConnectError).reason).toBe('NAME_MISMATCH');
    expect((client as Error).message).toMatch(said);
  });

  test('TLS on one side only: a plaintext client is told the server speaks TLS, a TLS one that the server does not', async () => {
    const plainToTls = await SluiceClient.connect({ temporal: temporalConnectionOptions({ TEMPORAL_ADDRESS: proxy.address }), connectionOptions: { connectTimeout: 2000 } }).then(
      (c) => c.close().then(() => undefined),
      (err: unknown) => err,
    );
    expect((plainToTls as TemporalConnectError).reason).toBe('SERVER_WANTS_TLS');
    expect((plainToTls as Error).message).toMatch(/speaks TLS but TLS is off — set TEMPORAL_TLS=true/);

    const tlsToPlain = await startWorker(envWith({ TEMPORAL_ADDRESS: server.address, TEMPORAL_TLS_CA: pki.caFile }));
    expect(tlsToPlain.code).toBe(1);
    expect(tlsToPlain.stderr).toMatch(/TLS: the Temporal server at 127\.0\.0\.1:\d+ does not speak TLS/);
  });

  test('mTLS: the worker connects with TEMPORAL_TLS_CERT/KEY and is told to set them without', async () => {
    const base = { TEMPORAL_ADDRESS: mtlsProxy.address, TEMPORAL_TLS_CA: pki.caFile, SLUICE_TASK_QUEUE: `${taskQueue}-mtls` };
    const [withCert, without] = await Promise.all([
      startWorker(envWith({ ...base, TEMPORAL_TLS_CERT: pki.clientCertFile, TEMPORAL_TLS_KEY: pki.clientKeyFile })),
      startWorker(envWith(base)),
    ]);
    expect(withCert.stderr).toContain('sluice worker on');
    expect(withCert.polling).toBe(true);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/asks for a client certificate — set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/);
    await stopWorker(withCert.child);
  });

  test('a TEMPORAL_* variable that cannot be used stops the CLI with exit 2 before it connects', async () => {
    const result = await runSluice(['job', 'list'], envWith({ TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_CA: join(pki.dir, 'missing.pem') }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`TEMPORAL_TLS_CA: cannot read ${join(pki.dir, 'missing.pem')}: no such file`);
  });
});
