import { randomBytes } from 'node:crypto';
import { EncryptionCodec, loadCodecKeys, startCodecServer } from '@sluice/codec';
import { codecServerToken } from './codec-server';
import { startServerAndWorker } from '../embedded';
import { UsageError } from '../usage-error';
import { freePort } from '../ports';
import { portOption } from '../options';

export interface DevCommandOptions {
  port?: string;
  uiPort?: string;
  dbFilename?: string;
}

/** `sluice dev`: a Temporal dev server (UI on) and a worker that stay up until Ctrl-C. */
export async function devCommand(options: DevCommandOptions): Promise<number> {
  const port = portOption(options.port, '--port') ?? 7233;
  const uiPort = portOption(options.uiPort, '--ui-port') ?? port + 1000;
  if (uiPort > 65_535) throw new UsageError(`--ui-port: the default (--port + 1000 = ${uiPort}) is not a port; give --ui-port`);
  if (uiPort === port) throw new UsageError('--ui-port must differ from --port');
  // The UI decodes payloads through this codec server, so the operator reads job inputs there.
  // Authenticated like any codec server: a per-run token (or SLUICE_CODEC_SERVER_TOKEN) the UI sends as a path prefix.
  const token = codecServerToken({}) ?? randomBytes(32).toString('base64url');
  const codec = await startCodecServer({
    codec: new EncryptionCodec(loadCodecKeys()),
    port: await freePort(),
    corsOrigins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
    token,
  });
  const { server, close } = await startServerAndWorker({ port, uiPort, dbFilename: options.dbFilename, uiCodecEndpoint: `${codec.url}/${encodeURIComponent(token)}` });
  process.stdout.write(
    `Temporal dev server: ${server.address} (namespace ${server.namespace})\n` +
      `Temporal UI:         ${server.uiUrl}\n` +
      `Codec server:        ${codec.url} (token-protected; the UI decodes job payloads through it)\n` +
      `Sluice worker:       polling; Ctrl-C to stop\n` +
      `Point other commands at it with TEMPORAL_ADDRESS=${server.address}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stderr.write('stopping worker and dev server…\n');
  await close();
  await codec.close();
  return 0;
}
