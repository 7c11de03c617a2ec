import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { envWithout, runSluice, SLUICE_BIN } from './helpers/cli';

// Passwords given on the command line: hidden from `ps` at once, never in a message.
let silent: Server;
let address: string;
beforeAll(async () => {
  // Accepts TCP and never answers: a `sluice` pointed at it waits on its Temporal connection.
  silent = createServer((socket) => socket.resume());
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  address = `127.0.0.1:${(silent.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => silent.close(r));
});

const PASSWORD = 'Ps-Hidden/@:%# 42';
const url = (db = 'shop') => `postgresql://app:${PASSWORD}@10.255.255.1:5432/${db}`;

test('`ps` of a waiting `sluice test` shows no password; stderr warns once', async () => {
  const child = spawn(process.execPath, [SLUICE_BIN, 'test', url(), '--timeout', '60'], { env: { ...envWithout('TEMPORAL_ADDRESS'), TEMPORAL_ADDRESS: address } });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    // The warning is written right after the title is rewritten.
    const deadline = Date.now() + 30_000;
    while (!stderr.includes('warning') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(child.exitCode).toBeNull(); // still waiting on its Temporal connection
    const args = execFileSync('ps', ['-o', 'args=', '-p', String(child.pid)]).toString();
    expect(args).toContain('sluice test postgresql://app:*****@10.255.255.1:5432/shop');
    expect(args).not.toContain('Ps-Hidden');
    expect(stderr.match(/password on the command line/g)).toHaveLength(1);
    expect(stderr).not.toContain('Ps-Hidden');
  } finally {
    child.kill('SIGKILL');
  }
});

test('usage errors and warnings name no password; the passwords from a file or the environment stay off the command line', async () => {
  const env = { ...envWithout('TEMPORAL_ADDRESS'), TEMPORAL_ADDRESS: address };
  for (const args of [
    ['sync', url(), url('dst')], // no --table: a usage error
    ['sync', `postgresql:/app:${PASSWORD}@h/db`, url(), '--table', 'a.b'], // a malformed URL: never echoed
    ['test', `postgres:app:${PASSWORD}@h`],
  ]) {
    const result = await runSluice(args, env, 30_000);
    expect({ args, code: result.code }).toEqual({ args, code: 2 });
    expect(result.stdout + result.stderr).not.toContain('Ps-Hidden');
  }
  const clean = await runSluice(['sync', 'postgresql://app@h/db', 'postgresql://app@h/db2'], { ...env, SLUICE_SOURCE_PASSWORD: 'x' }, 30_000);
  expect(clean.code).toBe(2);
  expect(clean.stderr).not.toContain('password on the command line');
});

test('`sluice codec-server` refuses to start without a token, and on 0.0.0.0 even with --insecure-no-auth', async () => {
  const env = envWithout('SLUICE_CODEC_SERVER_TOKEN');
  const none = await runSluice(['codec-server', '--host', '0.0.0.0', '--port', '0'], env, 30_000);
  expect(none.code).toBe(2);
  expect(none.stderr).toMatch(/needs a token: set SLUICE_CODEC_SERVER_TOKEN or --token-file/);
  const insecure = await runSluice(['codec-server', '--host', '0.0.0.0', '--port', '0', '--insecure-no-auth'], env, 30_000);
  expect(insecure.code).toBe(2);
  expect(insecure.stderr).toMatch(/refused on 0\.0\.0\.0/);
});
