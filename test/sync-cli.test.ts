import { spawn } from 'node:child_process';
import type { SyncJob } from '@sluice/client';
import { envWithout, runSluice, SLUICE_BIN } from './helpers/cli';
import { pgQuery } from './helpers/databases';
import { checksumOf, mariaUrlFor, pgUrlFor, uniqueName, useSyncWorld } from './helpers/sync-fixtures';

// `sluice sync`, `sluice job`, `sluice schedule` as a user runs them, against real Temporal and databases.

const ROWS = 60_000;
const world = useSyncWorld('cli', ROWS);
let cliEnv: NodeJS.ProcessEnv;
beforeAll(() => {
  cliEnv = { ...envWithout('TEMPORAL_ADDRESS'), TEMPORAL_ADDRESS: world.env.server.address, SLUICE_TASK_QUEUE: world.env.taskQueue };
});

const syncArgs = () => ['sync', pgUrlFor(world.src), pgUrlFor(world.dst), '--table', `${world.src}.items`, '--create-tables'];

test('`sluice sync --json` exits 0 with the final Job object; the rows match', async () => {
  const result = await runSluice([...syncArgs(), '--json'], cliEnv, 120_000);
  expect(result.code).toBe(0);
  const job = JSON.parse(result.stdout) as SyncJob;
  expect(job).toMatchObject({ type: 'SYNC', state: 'COMPLETED', rowsWritten: ROWS, tablesDone: 1, tablesTotal: 1, progressPercentage: 100 });
  expect(result.stderr).toMatch(/COMPLETED 100% tables 1\/1 rows 60000 [\d,]+ rows\/s ETA -/); // progress lines when not on a terminal
  // The client adds the rate: rows committed per second from the start to the end; no ETA once ended.
  expect(job.rowsPerSecond).toBeGreaterThan(0);
  expect(job.elapsedSeconds).toBeGreaterThanOrEqual(0);
  expect(job.rowsPerSecond).toBeCloseTo(ROWS / Math.max(1e-3, (Date.parse(job.endDate!) - Date.parse(job.startDate!)) / 1000), -1);
  expect(job.etaSeconds).toBeNull();
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'items')).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
});

test('an unsupported request exits 2 (a usage error) with the ERROR job naming the capability', async () => {
  const result = await runSluice(['sync', pgUrlFor(world.src), mariaUrlFor(world.maria), '--table', `${world.src}.items`, '--create-tables', '--disable-triggers', '--json'], cliEnv);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/TRIGGER_MANAGEMENT.*\[UNSUPPORTED_CAPABILITY\]/);
  const job = JSON.parse(result.stdout) as SyncJob;
  expect(job.state).toBe('ERROR');
  expect(job.message).toContain('TRIGGER_MANAGEMENT');
});

test('--detach prints only the job id; `job show --wait` and `job list` find it', async () => {
  const started = await runSluice(['sync', pgUrlFor(world.src), mariaUrlFor(world.maria), '--table', `${world.src}.items`, '--create-tables', '--mode', 'upsert', '--detach'], cliEnv);
  expect(started.code).toBe(0);
  const id = started.stdout.trim();
  expect(id).toMatch(/^sync-postgresql-to-mariadb-/);
  const shown = await runSluice(['job', 'show', id, '--wait', '--json'], cliEnv, 120_000);
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.stdout)).toMatchObject({ id, state: 'COMPLETED', rowsWritten: ROWS });
  // For people, without --json: the state, each table, the rows and the rate.
  const human = await runSluice(['job', 'show', id], cliEnv);
  expect(human.code).toBe(0);
  expect(human.stdout).toMatch(new RegExp(`^${id}: COMPLETED — Synced 1 table\\(s\\), ${ROWS} row\\(s\\) written[^\\n]*\\n  TABLE\\s+STATE\\s+READ\\s+WRITTEN\\s+VERIFIED\\n  ${world.src}\\.items\\s+COMPLETED\\s+60,000\\s+60,000\\s+count\\n`));
  expect(human.stdout).toMatch(/rows written in \d+s, [\d,]+ rows\/s\n$/);
  const listed = await runSluice(['job', 'list', '--type', 'SYNC', '--json'], cliEnv);
  expect(JSON.parse(listed.stdout).map((j: { id: string }) => j.id)).toContain(id);
  // By state and by connection (the SluiceConnectionIds search attribute holds no password).
  const ids = async (...args: string[]) => JSON.parse((await runSluice(['job', 'list', '--json', ...args], cliEnv)).stdout).map((j: { id: string }) => j.id);
  expect(await ids('--state', 'COMPLETED', '--connection', mariaUrlFor(world.maria))).toContain(id);
  expect(await ids('--state', 'ERROR', '--connection', mariaUrlFor(world.maria))).not.toContain(id);
  expect(await ids('--connection', 'postgresql://nobody:x@127.0.0.1:1/none')).not.toContain(id);
  const attrs = (await world.env.client.temporal.workflow.getHandle(id).describe()).typedSearchAttributes;
  const { SearchAttributes } = await import('@sluice/workflows');
  const keys = attrs.get(SearchAttributes.connectionIds) ?? [];
  // … nor user, host or database: opaque keyed hashes of where each connection points.
  expect(keys).toEqual([expect.stringMatching(/^url:[0-9a-f]{32}$/), expect.stringMatching(/^url:[0-9a-f]{32}$/)]);
  expect(JSON.stringify(keys)).not.toMatch(/sluice|127\.0\.0\.1|postgres|maria/);
  expect(JSON.stringify(keys)).not.toContain(decodeURIComponent(new URL(mariaUrlFor(world.maria)).password));
});

test('Ctrl-C while waiting cancels the job, waits for CANCELED and exits 130', async () => {
  const child = spawn(process.execPath, [SLUICE_BIN, ...syncArgs(), '--destination-schema', world.dst, '--batch-size', '100', '--mode', 'replace', '--json'], { env: cliEnv });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let i = 0; i < 600 && !/job \S+ started/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(stderr).toContain('cancelling job');
  expect(JSON.parse(stdout).state).toBe('CANCELED');
  // replace loads into a staging table: the destination still holds the previous complete copy.
  expect(await checksumOf(pgUrlFor(world.dst), world.dst, 'items')).toEqual(await checksumOf(pgUrlFor(world.src), world.src, 'items'));
});

test('two jobs never write the same destination table at once', async () => {
  const input = { source: { url: pgUrlFor(world.src) }, destination: { url: pgUrlFor(world.dst) }, tables: [{ schema: world.src, name: 'items', destinationName: 'busy' }], createTables: true, mode: 'upsert' as const, batchSize: 50 };
  const first = await world.env.client.startSync(input);
  for (let i = 0; i < 200; i++) {
    const job = await world.env.client.getJob<SyncJob>(first);
    if (job.tables?.[0]?.state === 'RUNNING') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const second = await world.env.client.waitForJob<SyncJob>(await world.env.client.startSync(input));
  expect(second.state).toBe('ERROR');
  expect(second.message).toMatch(/another job is syncing into that table/);
  await world.env.client.cancelJob(first);
  expect((await world.env.client.waitForJob(first)).state).toBe('CANCELED');
});

test('`sluice schedule create|list|trigger|delete`: a cron sync with overlap SKIP', async () => {
  const name = uniqueName('nightly');
  const created = await runSluice(['schedule', 'create', name, pgUrlFor(world.src), pgUrlFor(world.dst), '--table', `${world.src}.items`, '--mode', 'upsert', '--cron', '0 2 * * *'], cliEnv);
  expect(created.code).toBe(0);
  try {
    const listed = JSON.parse((await runSluice(['schedule', 'list', '--json'], cliEnv)).stdout);
    expect(listed).toContainEqual(expect.objectContaining({ id: name, cron: '0 2 * * *', paused: false }));
    const description = await world.env.client.temporal.schedule.getHandle(name).describe();
    expect(description.policies.overlap).toBe('SKIP');
    expect((await runSluice(['schedule', 'trigger', name], cliEnv)).code).toBe(0);
    let jobId: string | undefined;
    for (let i = 0; i < 100 && !jobId; i++) {
      jobId = (await world.env.client.temporal.schedule.getHandle(name).describe()).info.recentActions[0]?.action.workflow.workflowId;
      if (!jobId) await new Promise((r) => setTimeout(r, 100));
    }
    expect((await world.env.client.waitForJob(jobId!)).state).toBe('COMPLETED');
  } finally {
    expect((await runSluice(['schedule', 'delete', name], cliEnv)).code).toBe(0);
  }
  const after = JSON.parse((await runSluice(['schedule', 'list', '--json'], cliEnv)).stdout);
  expect(after.map((s: { id: string }) => s.id)).not.toContain(name);
  // The only schedule of this server is gone: people are told so rather than shown nothing.
  expect(after).toEqual([]);
  expect((await runSluice(['schedule', 'list'], cliEnv)).stdout).toBe('no schedules\n');
});
