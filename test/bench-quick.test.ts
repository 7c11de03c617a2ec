import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The benchmark harness's quick mode (bench/run.js, 20,000 rows per table, Sluice contenders only),
// so the harness cannot rot. Its numbers are not asserted: only that it ran every pair and wrote a
// well-formed results file, each contender row with rows/s or an explicit reason.
const ROOT = join(__dirname, '..');

interface ResultRow {
  pair: string;
  table: string;
  contender: string;
  kind: 'baseline' | 'sluice' | 'peer';
  status: string;
  rowsPerSec: number | null;
  seconds: number | null;
  error: string | null;
  verified: { ok: boolean; rows: number | null; checksum: string | null } | null;
}

let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

test('quick bench (Sluice contenders only) writes a well-formed results JSON', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bench', 'run.js'), '--size', 'quick', '--only', 'sluice', '--cancel-runs', '2', '--intro-tables', '100', '--out', out, '--no-readme'],
      { cwd: ROOT, env: process.env, maxBuffer: 16 << 20, timeout: 290_000 },
      (err, so, se) => (err ? reject(new Error(`bench/run.js failed: ${err.message}\n${se.slice(-4000)}`)) : resolve(so)),
    );
  });
  const file = stdout.trim().split('\n').pop()!;
  expect(file).toMatch(/-quick\.json$/);
  const result = JSON.parse(readFileSync(file, 'utf8'));

  expect(result.rowsPerTable).toBe(20_000);
  expect(result.machine).toEqual(expect.objectContaining({ cpu: expect.any(String), cores: expect.any(Number), ramGiB: expect.any(Number) }));
  expect(result.versions).toEqual(expect.objectContaining({ node: process.version, postgresql: expect.any(String), mariadb: expect.any(String) }));

  const rows = result.results as ResultRow[];
  expect(new Set(rows.map((r) => r.pair))).toEqual(new Set(['pg-pg', 'maria-pg', 'pg-maria', 'maria-maria']));
  for (const r of rows) {
    // Every row: rows/s from a verified run, or an explicit reason (failed / not installed / not selected).
    if (r.status === 'ok') {
      expect(r.rowsPerSec).toBeGreaterThan(0);
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.verified?.ok).toBe(true);
      expect(r.verified?.rows).toBe(20_000);
    } else {
      expect(['failed', 'not installed', 'not selected']).toContain(r.status);
      expect(r.rowsPerSec).toBeNull();
      expect(typeof r.error).toBe('string');
      expect(r.error!.length).toBeGreaterThan(0);
    }
  }
  // Sluice ran on every pair it serves, with a checksum, and the others were reported as not selected.
  const sluice = rows.filter((r) => r.kind === 'sluice');
  expect(sluice.length).toBeGreaterThanOrEqual(10);
  for (const r of sluice) {
    expect(['ok', 'failed']).toContain(r.status);
    if (r.status === 'ok') expect(r.verified?.checksum).toBe('match');
  }
  for (const r of rows.filter((x) => x.kind !== 'sluice')) expect(r.status).toBe('not selected');

  // Extras and targets are present and well formed (measured or explicitly not).
  for (const k of ['startLatency', 'cancel', 'resume', 'introspection', 'workerPeakRss']) expect(result.extras[k]).toBeDefined();
  expect(result.targets.length).toBeGreaterThan(5);
  for (const t of result.targets) expect(['PASS', 'MISS', 'NOT MEASURED']).toContain(t.status);
}, 300_000);
