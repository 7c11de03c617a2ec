import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pgQuery } from '../../test/helpers/databases';
import { isDriverFault } from '../src/fault-guard';

// A real fault: a pg client with no 'error' listener whose server backend is terminated (what a
// database restart does). Without the guard the process dies; with it, it logs and goes on.
const CHILD = `
const { Client } = require('pg');
if (process.env.SLUICE_TEST_GUARD === 'guarded') require(${JSON.stringify(join(__dirname, '..', 'dist', 'fault-guard.js'))}).installDriverFaultGuard();
(async () => {
  const client = new Client({ connectionString: process.env.SLUICE_PG_URL });
  await client.connect();
  const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
  process.stdout.write('pid ' + rows[0].pid + '\\n');
  setTimeout(() => { process.stdout.write('alive\\n'); process.exit(0); }, 2000);
})();
`;

async function runChild(mode: 'guarded' | 'bare'): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['-e', CHILD], { cwd: join(__dirname, '..', '..'), env: { ...process.env, SLUICE_TEST_GUARD: mode } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // The child's backend pid; a child that ended before saying it (no connection) fails here with its stderr.
  const pid = await Promise.race([
    new Promise<string>((resolve) =>
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /pid (\d+)/.exec(stdout);
        if (m) resolve(m[1]!);
      }),
    ),
    exited.then((code) => {
      throw new Error(`the child ended (${code}) before it connected:\n${stderr}`);
    }),
  ]);
  await pgQuery('SELECT pg_terminate_backend($1::int)', [pid]);
  const code = await exited;
  return { code, stdout, stderr };
}

test('a terminated backend kills an unguarded process: the fault is real', async () => {
  const bare = await runChild('bare');
  expect(bare.code).not.toBe(0);
  expect(bare.stdout).not.toContain('alive');
  expect(bare.stderr).toMatch(/terminat/i);
});

test('the guard logs the driver fault and the process lives on', async () => {
  const guarded = await runChild('guarded');
  expect(guarded.stdout).toContain('alive');
  expect(guarded.code).toBe(0);
  expect(guarded.stderr).toMatch(/survived a database driver's uncaught exception/);
});

test('what counts as a driver fault', () => {
  expect(isDriverFault(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
  expect(isDriverFault(new Error('Connection terminated unexpectedly'))).toBe(true);
  const fromDriver = new Error('boom');
  fromDriver.stack = 'Error: boom\n    at Client._handleErrorEvent (/app/node_modules/pg/lib/client.js:1:1)';
  expect(isDriverFault(fromDriver)).toBe(true);
  expect(isDriverFault(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
  expect(isDriverFault('a string')).toBe(false);
});
