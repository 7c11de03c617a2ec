import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '@sluice/workflows';
import { freePort } from './ports';
import { findTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** UI port; port + 1000 when a port is given, else a free one. */
  uiPort?: number;
  /** No UI at all (faster start for short-lived embedded servers). */
  headless?: boolean;
  /** SQLite file that keeps workflows across restarts; in memory when omitted. */
  dbFilename?: string;
  namespace?: string;
  /** A codec server the UI calls to show decrypted payloads. */
  uiCodecEndpoint?: string;
  temporalCli?: string;
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  namespace: string;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` on loopback with Sluice's search
 * attributes registered, waits until it answers, and stops it on `stop()` or
 * when this process exits.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  // The dev server binds several ports of its own choosing after ours was found free: beside other
  // dev servers starting at the same moment (parallel test files) one of them may be taken, and the
  // server exits at start. Tried again on other ports, unless the caller fixed them.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(options);
    } catch (err) {
      const exitedAtStart = err instanceof Error && err.message.startsWith('temporal server start-dev exited at start');
      if (!exitedAtStart || options.port !== undefined || attempt >= 3) throw err;
    }
  }
}

async function startDevServerOnce(options: DevServerOptions): Promise<DevServer> {
  const cli = options.temporalCli ?? findTemporalCli();
  const port = options.port ?? (await freePort());
  const uiPort = options.headless ? null : (options.uiPort ?? (options.port ? port + 1000 : await freePort()));
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace, '--log-level', 'error'];
  // One machine's workers poll a dev server: its task queues get one partition, so a task scheduled while
  // no poll waits on its partition (a chunk retried after its worker was killed and restarted) goes to the
  // next poll at once instead of waiting to be forwarded between partitions (~0.7 s → ~0.3 s measured).
  for (const setting of ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1']) args.push('--dynamic-config-value', setting);
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  if (options.uiCodecEndpoint && uiPort !== null) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  for (const sa of SEARCH_ATTRIBUTE_REGISTRATIONS) args.push('--search-attribute', sa);

  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // The first lines say why it stopped (a Go panic's stack follows): kept with the last ones.
  let head = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    if (head.length < 1000) head = (head + chunk.toString()).slice(0, 1000);
    stderr = (stderr + chunk.toString()).slice(-3000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, namespace, child, () => (head.length < 1000 ? head : `${head}\n…\n${stderr}`), options.startTimeoutMs ?? 60_000);
  } catch (err) {
    process.removeListener('exit', killOnExit);
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: uiPort === null ? null : `http://127.0.0.1:${uiPort}`,
    namespace,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await stopChild(child);
    },
  };
}

async function waitUntilServing(address: string, namespace: string, child: ChildProcess, stderr: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`temporal server start-dev exited at start: ${stderr().trim() || 'no output'}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        // Ready once the namespace answers, not merely once the port is open.
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
