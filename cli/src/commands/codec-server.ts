import { readFileSync } from 'node:fs';
import { CodecServerConfigError, EncryptionCodec, loadCodecKeys, startCodecServer } from '@sluice/codec';
import { UsageError } from '../connection-arg';
import { portOption } from '../options';

export interface CodecServerCommandOptions {
  port?: string;
  host?: string;
  corsOrigin?: string[];
  tokenFile?: string;
  insecureNoAuth?: boolean;
  allowedHost?: string[];
  enableEncode?: boolean;
}

/** The token from --token-file (its first line) or SLUICE_CODEC_SERVER_TOKEN. */
export function codecServerToken(o: { tokenFile?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (o.tokenFile) {
    try {
      return readFileSync(o.tokenFile, 'utf8').split(/\r?\n/)[0]!.trim();
    } catch (err) {
      throw new UsageError(`--token-file ${o.tokenFile}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return env.SLUICE_CODEC_SERVER_TOKEN || undefined;
}

/** `sluice codec-server`: decrypts Sluice payloads for the Temporal UI of an operator who holds the key and the token. */
export async function codecServerCommand(o: CodecServerCommandOptions): Promise<number> {
  const port = portOption(o.port, '--port', 0) ?? 8888; // 0: any free port
  if (o.host !== undefined && (o.host.trim() === '' || o.host.length > 253)) throw new UsageError('--host must be an address or host name of 1 to 253 characters');
  const token = codecServerToken(o);
  let server;
  try {
    server = await startCodecServer({
      codec: new EncryptionCodec(loadCodecKeys()),
      port,
      host: o.host ?? '127.0.0.1',
      corsOrigins: o.corsOrigin ?? ['http://localhost:8233', 'http://127.0.0.1:8233'],
      token,
      insecureNoAuth: o.insecureNoAuth,
      allowedHosts: o.allowedHost,
      enableEncode: o.enableEncode,
    });
  } catch (err) {
    if (err instanceof CodecServerConfigError) throw new UsageError(err.message);
    throw err;
  }
  process.stdout.write(
    token
      ? `Codec server: ${server.url} (token required). In the Temporal UI's codec settings use ${server.url}/<token> ` +
          `(the token as a path prefix), or send Authorization: Bearer <token>.\n`
      : `Codec server: ${server.url} (no authentication: loopback only). Set it as the codec endpoint in the Temporal UI's settings.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
