import { isListening } from '@sluice/cli';
import { envWithout, runSluice } from './helpers/cli';
import { pgUrl, withUrl } from './helpers/databases';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

// `sluice test` as a user runs it: a real process, real Temporal, real PostgreSQL.
let env: TestTemporal;
let cliEnv: NodeJS.ProcessEnv;
beforeAll(async () => {
  env = await startTestTemporal();
  cliEnv = { ...envWithout('TEMPORAL_ADDRESS'), TEMPORAL_ADDRESS: env.server.address, SLUICE_TASK_QUEUE: env.taskQueue };
});
afterAll(async () => {
  await env?.stop();
});

test('--json prints exactly the application message on stdout and exits 0 on success', async () => {
  const result = await runSluice(['test', pgUrl(), '--json'], cliEnv);
  expect(result.code).toBe(0);
  const message = JSON.parse(result.stdout);
  expect(message).toMatchObject({ code: 'CONNECTION_OK', kind: 'success' });
  expect(Object.keys(message).sort()).toEqual(['body', 'code', 'details', 'kind', 'title']);
});

test('`npx sluice` works from the repository root after install and build, as the README says; --version prints the version', async () => {
  const { execFile } = await import('node:child_process');
  const { join } = await import('node:path');
  const root = join(__dirname, '..');
  // --no: never fetch a package of that name from the registry; only the workspace's own bin counts.
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('npx', ['--no', '--', ...args], { cwd: root, env: envWithout('TEMPORAL_ADDRESS') }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const version = JSON.parse(require('node:fs').readFileSync(join(root, 'cli', 'package.json'), 'utf8')).version as string;
  expect(await run(['sluice', '--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  const help = await run(['sluice', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/Usage: sluice/);
});

test('a wrong password exits 1 with AUTHENTICATION_FAILED, and the password is in no output', async () => {
  const password = 'Cli-Wr0ng-Pa55';
  const result = await runSluice(['test', withUrl(pgUrl(), { password }), '--json'], cliEnv);
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout).code).toBe('AUTHENTICATION_FAILED');
  expect(result.stdout + result.stderr).not.toContain(password);
});

test('people get the title, the body and the details', async () => {
  const result = await runSluice(['test', pgUrl()], cliEnv);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/Connection successful \[CONNECTION_OK\]/);
  expect(result.stdout).toMatch(/server_version: \d+/);
});

test('an unreachable port exits 1 with HOST_UNREACHABLE', async () => {
  const result = await runSluice(['test', withUrl(pgUrl(), { port: 1 }), '--json'], cliEnv);
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout).code).toBe('HOST_UNREACHABLE');
});

test('a missing URL is a usage error (exit 2) that says what to give', async () => {
  const result = await runSluice(['test'], cliEnv);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('missing <connection-url>');
});

test('with no TEMPORAL_ADDRESS and nothing on localhost:7233, it runs an embedded server and worker, says so on stderr, keeps stdout clean', async () => {
  const somethingOn7233 = await isListening('127.0.0.1', 7233);
  const result = await runSluice(['test', pgUrl(), '--json'], envWithout('TEMPORAL_ADDRESS', 'SLUICE_TASK_QUEUE'));
  if (!somethingOn7233) expect(result.stderr).toMatch(/running an embedded Temporal dev server/);
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout).code).toBe('CONNECTION_OK');
});

test('job and schedule commands without a running Temporal say so, exit 1, and start no embedded server', async () => {
  if (await isListening('127.0.0.1', 7233)) return; // a server there answers them instead
  for (const args of [['job', 'list'], ['job', 'show', 'sync-x'], ['schedule', 'list']]) {
    const started = Date.now();
    const result = await runSluice(args, envWithout('TEMPORAL_ADDRESS', 'SLUICE_TASK_QUEUE'));
    expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 1, stdout: '' });
    expect(result.stderr).toMatch(/no Temporal server to ask for (jobs|schedules).*Start `sluice dev`.*TEMPORAL_ADDRESS/);
    expect(result.stderr).not.toMatch(/embedded Temporal dev server/);
    expect(Date.now() - started).toBeLessThan(10_000); // no dev server started and stopped on the way
  }
});

test('`sluice dev --port N` serves Temporal with its UI and a worker until Ctrl-C', async () => {
  const { spawn } = await import('node:child_process');
  const { freePort } = await import('@sluice/cli');
  const { SLUICE_BIN } = await import('./helpers/cli');
  const { SluiceClient } = await import('@sluice/client');
  const port = await freePort();
  const uiPort = await freePort();
  const dev = spawn(process.execPath, [SLUICE_BIN, 'dev', '--port', String(port), '--ui-port', String(uiPort)], {
    env: envWithout('TEMPORAL_ADDRESS', 'SLUICE_TASK_QUEUE'),
  });
  let stdout = '';
  dev.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
  try {
    for (let i = 0; i < 300 && !stdout.includes('Sluice worker'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toContain(`Temporal UI:         http://127.0.0.1:${uiPort}`);
    expect(stdout).toMatch(/Codec server:        http:\/\/127.0.0.1:\d+/);
    expect(await isListening('127.0.0.1', uiPort)).toBe(true);
    // The codec server wants a per-run token; the UI is configured with it as a path prefix.
    const codecUrl = /Codec server:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
    const settings = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    const endpoint = settings.Codec?.Endpoint ?? '';
    expect(endpoint).toMatch(new RegExp(`^${codecUrl.replace(/\./g, '\\.')}/[\\w-]{40,}$`));
    const decode = (url: string) => fetch(`${url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payloads":[]}' });
    expect((await decode(codecUrl)).status).toBe(401);
    expect((await decode(endpoint)).status).toBe(200);
    expect(stdout).not.toContain(endpoint.slice(codecUrl.length + 1)); // the token is not printed
    // Its worker runs jobs: a client on the default task queue gets an answer.
    const client = await SluiceClient.connect({ address: `127.0.0.1:${port}`, taskQueue: 'sluice' });
    try {
      expect((await client.testConnection({ url: pgUrl() })).code).toBe('CONNECTION_OK');
      // What the UI shows: the job's input, posted to the codec endpoint the UI was given, decodes
      // to the connection's summary, never its password.
      let workflowId = '';
      for await (const wf of client.temporal.workflow.list({ query: 'WorkflowType = "testConnectionWorkflow"' })) workflowId = wf.workflowId;
      const history = await client.temporal.workflow.getHandle(workflowId).fetchHistory();
      const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
      const wire = input.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p.data ?? []).toString('base64') }));
      expect(Buffer.from(wire[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
      const decoded = (await (await fetch(`${endpoint}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payloads: wire }) })).json()) as { payloads: { data: string }[] };
      const shown = Buffer.from(decoded.payloads[0]!.data, 'base64').toString();
      expect(shown).toContain(`postgresql://${new URL(pgUrl()).username}@127.0.0.1`);
      expect(shown).not.toContain(new URL(pgUrl()).password);
    } finally {
      await client.close();
    }
  } finally {
    dev.kill('SIGINT');
  }
  expect(await exited).toBe(0);
  expect(await isListening('127.0.0.1', port)).toBe(false);
});

test('`sluice connectors --json` lists the installed connectors with functionalities and Syntho property specs', async () => {
  const { functionalitiesOf } = await import('@sluice/connector-sdk');
  const postgres = (await import('@sluice/connector-postgres')).default;
  const mysql = (await import('@sluice/connector-mysql')).default;
  const result = await runSluice(['connectors', '--json'], cliEnv);
  expect(result.code).toBe(0);
  const out = JSON.parse(result.stdout);
  const byType = Object.fromEntries(out.connectors.map((c: { type: string }) => [c.type, c]));
  expect(Object.keys(byType).sort()).toEqual(['db2', 'mongodb', 'mssql', 'mysql', 'oracle', 'postgresql']);
  // Each engine's functionalities are computed from what its package declares (and its testkit proves).
  for (const [type, pkg] of [['oracle', '@sluice/connector-oracle'], ['mssql', '@sluice/connector-mssql'], ['db2', '@sluice/connector-db2']] as const) {
    const plugin = (await import(pkg)).default;
    expect(byType[type].functionalities).toEqual(functionalitiesOf(plugin.capabilities));
    expect(byType[type].functionalities.map((f: { name: string }) => f.name)).toEqual(['HIGH_PERFORMANCE_WRITING', 'IDEMPOTENT_WRITING']);
  }
  expect(byType.db2.lacking.TRIGGER_MANAGEMENT).toEqual(expect.any(String));
  expect(out.not_installed).toEqual([]);
  const mongodb = (await import('@sluice/connector-mongodb')).default;
  expect(byType.mongodb.functionalities).toEqual(functionalitiesOf(mongodb.capabilities));
  expect(Object.keys(byType.mongodb.lacking)).toEqual(expect.arrayContaining(['FOREIGN_KEY_MANAGEMENT', 'TRIGGER_MANAGEMENT']));
  expect(byType.postgresql.functionalities).toEqual(functionalitiesOf(postgres.capabilities));
  expect(byType.mysql.functionalities).toEqual(functionalitiesOf(mysql.capabilities));
  expect(byType.postgresql.functionalities.map((f: { name: string; applicability: string }) => [f.name, f.applicability])).toEqual([
    ['HIGH_PERFORMANCE_WRITING', 'FULL'],
    ['IDEMPOTENT_WRITING', 'PARTIAL'],
  ]);
  expect(byType.mysql.lacking.TRIGGER_MANAGEMENT).toMatch(/cannot disable a trigger/);
  expect(out.supported_types.connectors.PostgreSQLConnector.port).toEqual({ type: 'integer', default: 5432, values: null });
  expect(out.supported_types.connectors.MySQLMariaDBConnector.port.default).toBe(3306);
  expect(out.supported_types.connectors.MySQLMariaDBConnector).not.toHaveProperty('schema_name');
  expect(out.supported_types.hooks.SSL.ssl_mode.values).toContain('verify-full');
});

describe('bad input is refused at once, exit 2, naming the field and the fix', () => {
  const src = 'postgresql://u:p@127.0.0.1:1/db';
  const cases: [string, string[], RegExp][] = [
    ['a batch size past any use', ['sync', src, src, '--schema', 's', '--batch-size', '99999999999999999999'], /--batch-size must be a whole number from 1 to 1,000,000/],
    ['a negative parallelism', ['sync', src, src, '--schema', 's', '--parallel', '-1'], /--parallel/],
    ['an unknown option', ['sync', src, src, '--schema', 's', '--bogus'], /unknown option '--bogus'/],
    ['a missing argument', ['sync', src], /missing required argument/],
    ['a mode not offered', ['sync', src, src, '--schema', 's', '--mode', 'merge'], /--mode.*merge.*invalid/i],
    ['a 7-field cron (it would fire every second)', ['schedule', 'create', 'n', src, src, '--schema', 's', '--cron', '0 2 * * * * *'], /--cron: cron "0 2 \* \* \* \* \*": expected 5 fields/],
    ['a --verify not offered', ['sync', src, src, '--schema', 's', '--verify', 'sha'], /--verify sha: expected count, checksum or none/],
  ];
  test.each(cases)('%s', async (_label, args, message) => {
    const result = await runSluice(args, cliEnv);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(message) });
  });

  test('a config file holding null, or no JSON, is named with what is wrong', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/sluice-cli-');
    writeFileSync(`${dir}/null.json`, 'null');
    writeFileSync(`${dir}/broken.json`, '{"connector_type": ');
    const nullFile = await runSluice(['test', `${dir}/null.json`], cliEnv);
    expect({ code: nullFile.code, stderr: nullFile.stderr }).toEqual({ code: 2, stderr: expect.stringContaining(`${dir}/null.json: holds null, not a connector config object`) });
    const broken = await runSluice(['test', `${dir}/broken.json`], cliEnv);
    expect({ code: broken.code, stderr: broken.stderr }).toEqual({ code: 2, stderr: expect.stringContaining(`${dir}/broken.json: not valid JSON`) });
  });

  test('a malformed URL is never echoed with its password', async () => {
    for (const url of ['postgresql:/user:pa/ss@host/db', 'postgresql:/user:pa@ss@host/db', 'postgres:user:pa/ss@host/db']) {
      const result = await runSluice(['test', url], cliEnv);
      expect(result.code).toBe(2);
      expect(result.stderr + result.stdout).not.toMatch(/pa\/ss|pa@ss/);
    }
  });

  test('a host longer than any DNS name is refused naming the field', async () => {
    const result = await runSluice(['test', `postgresql://u:p@${'h'.repeat(300)}:5432/db`, '--json'], cliEnv);
    expect(result.stdout + result.stderr).toMatch(/host: must be at most 253/);
  });
});
