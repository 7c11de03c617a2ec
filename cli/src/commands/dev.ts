import { startServerAndWorker } from '../embedded';

export interface DevCommandOptions {
  port?: string;
  uiPort?: string;
  dbFilename?: string;
}

/** `sluice dev`: a Temporal dev server (UI on) and a worker that stay up until Ctrl-C. */
export async function devCommand(options: DevCommandOptions): Promise<number> {
  const { server, close } = await startServerAndWorker({
    port: options.port ? Number(options.port) : 7233,
    uiPort: options.uiPort ? Number(options.uiPort) : undefined,
    dbFilename: options.dbFilename,
  });
  process.stdout.write(
    `Temporal dev server: ${server.address} (namespace ${server.namespace})\n` +
      `Temporal UI:         ${server.uiUrl}\n` +
      `Sluice worker:       polling; Ctrl-C to stop\n` +
      `Point other commands at it with TEMPORAL_ADDRESS=${server.address}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stderr.write('stopping worker and dev server…\n');
  await close();
  return 0;
}
