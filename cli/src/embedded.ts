import { NativeConnection } from '@temporalio/worker';
import { plainTemporalSettings, temporalConnectionOptions, type TemporalConnectionSettings } from '@sluice/client';
import { createSluiceWorker, installDriverFaultGuard, limitHeapGrowth } from '@sluice/worker';
import { startDevServer, type DevServer, type DevServerOptions } from './dev-server';
import { isListening } from './ports';
import { installQuietRuntime } from './runtime';

export interface TemporalTarget {
  address: string;
  /** How to connect: the TEMPORAL_* settings, or plaintext to the embedded server. */
  settings: TemporalConnectionSettings;
  /** Set when this process runs its own dev server and worker. */
  embedded?: { server: DevServer };
  close(): Promise<void>;
}

/** A dev server plus a worker polling it, in this process. */
export async function startServerAndWorker(options: DevServerOptions): Promise<{ server: DevServer; close(): Promise<void> }> {
  installQuietRuntime();
  limitHeapGrowth(); // this process hosts the worker: the same heap growth as `sluice-worker`
  installDriverFaultGuard(); // … and survives what a database driver throws outside an activity
  const server = await startDevServer(options);
  try {
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await createSluiceWorker({ connection, namespace: server.namespace });
    const running = worker.run();
    return {
      server,
      close: async () => {
        // The Worker stops by itself on SIGINT/SIGTERM; only ask when it still runs.
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await connection.close();
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/**
 * TEMPORAL_ADDRESS when set, else a server already on localhost:7233, else null: for commands
 * about jobs and schedules that must already exist on a server (an embedded one would be empty).
 */
export async function runningTemporalTarget(env: NodeJS.ProcessEnv = process.env): Promise<TemporalTarget | null> {
  const settings = temporalConnectionOptions(env);
  if (env.TEMPORAL_ADDRESS?.trim() || (await isListening('127.0.0.1', 7233))) return { address: settings.address, settings, close: async () => undefined };
  return null;
}

/** What commands that need a running server say without one. */
export class NoTemporalServerError extends Error {
  constructor(what: string) {
    super(
      `no Temporal server to ask for ${what}: TEMPORAL_ADDRESS is not set and nothing answers on localhost:7233. ` +
        'Start `sluice dev` (it keeps a server up), or set TEMPORAL_ADDRESS to your server. Jobs that ran on a ' +
        "command's own embedded server ended with that command.",
    );
  }
}

/**
 * TEMPORAL_ADDRESS when set; else a server already on localhost:7233; else an
 * embedded dev server and worker that live as long as the command (said on stderr).
 * The first two connect with the TEMPORAL_* settings (`temporalConnectionOptions`),
 * checked before anything starts.
 */
export async function resolveTemporalTarget(env: NodeJS.ProcessEnv = process.env): Promise<TemporalTarget> {
  const settings = temporalConnectionOptions(env);
  if (env.TEMPORAL_ADDRESS?.trim()) return { address: settings.address, settings, close: async () => undefined };
  if (await isListening('127.0.0.1', 7233)) return { address: settings.address, settings, close: async () => undefined };
  const embedded = await startServerAndWorker({ headless: true });
  process.stderr.write(
    `sluice: no TEMPORAL_ADDRESS and nothing on localhost:7233: running an embedded Temporal dev server ` +
      `(${embedded.server.address}) and worker for this command. Run \`sluice dev\` to keep one up.\n`,
  );
  const address = embedded.server.address;
  return { address, settings: plainTemporalSettings(address, embedded.server.namespace), embedded: { server: embedded.server }, close: embedded.close };
}
