'use strict';
// Small helpers of the benchmark harness: env, shell, timing, machine facts, server connections.
const { spawn, execFileSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const STATE_DIR = process.env.SLUICE_STATE_DIR || '/var/tmp/sluice';
const VENV = path.join(STATE_DIR, 'bench-venv');
const SLING_BIN = path.join(VENV, 'lib', 'python3.11', 'site-packages', 'sling_linux_amd64', 'bin', 'sling-linux-amd64');

/** Loads $SLUICE_STATE_DIR/env.sh (written by scripts/setup.sh) into process.env where unset. */
function loadEnv() {
  const file = path.join(STATE_DIR, 'env.sh');
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

/**
 * Runs a shell command line (bash -o pipefail), resolving with {code, stdout, stderr, seconds}.
 * Never rejects: callers decide what a non-zero exit means.
 */
function sh(command, { env, cwd, timeoutMs } = {}) {
  return new Promise((resolve) => {
    const started = now();
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { env: { ...process.env, ...env }, cwd: cwd || ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout = (stdout + c).slice(-200_000)));
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-20_000)));
    let timer = null;
    let timedOut = false;
    if (timeoutMs) timer = setTimeout(() => { timedOut = true; try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); } }, timeoutMs);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, seconds: (now() - started) / 1000, timedOut });
    });
  });
}

function firstLine(cmd) {
  try {
    return execFileSync('bash', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0];
  } catch {
    return null;
  }
}

function percentile(values, p) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

/** CPU, cores, RAM, kernel from /proc. */
function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const memKb = Number(/MemTotal:\s*(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  return { cpu: model, cores: os.cpus().length, ramGiB: Math.round((memKb / 1048576) * 10) / 10, kernel: os.release(), os: firstLine('. /etc/os-release && echo "$PRETTY_NAME"') };
}

/** Peak resident set (VmHWM) and current RSS (VmRSS) of a process, in MiB. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s*(\\d+)`).exec(status)?.[1] ?? NaN);
    return { hwmMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
  } catch {
    return null;
  }
}

/** libpq-style pieces of the PostgreSQL URL (psql, pgloader, sling and dlt take URLs). */
function pgParts(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) };
}

function pgUrlWith(url, { database, schema } = {}) {
  const u = new URL(url);
  u.search = '';
  if (database) u.pathname = '/' + database;
  if (schema) u.searchParams.set('schema', schema);
  return u.toString();
}

function mariaParts(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) };
}

function mariaUrlWith(url, database) {
  const u = new URL(url);
  u.search = '';
  u.pathname = '/' + database;
  return u.toString();
}

/** One direct pg client (fixtures and checks; not the system under test). */
async function pgClient(url, database) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: pgUrlWith(url, { database }), application_name: 'sluice-bench' });
  await client.connect();
  return client;
}

async function pgq(url, sql, params = [], database) {
  const c = await pgClient(url, database);
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

async function mariaConn(url, database) {
  const mysql = require('mysql2/promise');
  const p = mariaParts(url);
  return mysql.createConnection({ host: p.host, port: p.port, user: p.user, password: p.password, database: database ?? p.database, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true });
}

async function mq(url, sql, params = [], database) {
  const c = await mariaConn(url, database);
  try {
    const [rows] = await c.query(sql, params);
    return rows;
  } finally {
    await c.end();
  }
}

/** Shell-quotes one word. */
const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** Env for psql / pg tools (password in PGPASSWORD, never on the command line). */
function pgEnv(url) {
  const p = pgParts(url);
  return { PGHOST: p.host, PGPORT: String(p.port), PGUSER: p.user, PGPASSWORD: p.password, PGDATABASE: p.database };
}

/** Env for mysql / mysqldump (MYSQL_PWD). */
function mariaEnv(url) {
  return { MYSQL_PWD: mariaParts(url).password };
}

/** `mysql` client args without the password. */
function mariaArgs(url, database) {
  const p = mariaParts(url);
  return `-h ${q(p.host)} -P ${p.port} -u ${q(p.user)} ${q(database ?? p.database)}`;
}

const log = (...args) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);

module.exports = {
  ROOT, STATE_DIR, VENV, SLING_BIN, loadEnv, sleep, now, sh, firstLine, percentile, machine, memoryOf,
  pgParts, pgUrlWith, mariaParts, mariaUrlWith, pgClient, pgq, mariaConn, mq, q, pgEnv, mariaEnv, mariaArgs, log,
};
