import { EncryptionCodec, loadCodecKeys, startCodecServer } from '@sluice/codec';

/** `sluice codec-server`: decrypts Sluice payloads for the Temporal UI of an operator who holds the key. */
export async function codecServerCommand(o: { port?: string; host?: string; corsOrigin?: string[] }): Promise<number> {
  const server = await startCodecServer({
    codec: new EncryptionCodec(loadCodecKeys()),
    port: o.port ? Number(o.port) : 8888,
    host: o.host ?? '127.0.0.1',
    corsOrigins: o.corsOrigin ?? ['http://localhost:8233', 'http://127.0.0.1:8233'],
    token: process.env.SLUICE_CODEC_SERVER_TOKEN,
  });
  process.stdout.write(`Codec server: ${server.url} (set it as the codec endpoint in the Temporal UI's settings)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
