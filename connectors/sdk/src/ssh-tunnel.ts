import { createServer, type Socket } from 'node:net';
import type { z } from 'zod';
import type { Client as SshClient, ConnectConfig } from 'ssh2';
import type { sshTunnelHookSchema } from './config';
import { ConfigError, ConnectorError } from './errors';
import { TestCode } from './messages';
import { redact } from './redact';

export type SshTunnelHook = z.output<typeof sshTunnelHookSchema>;

export interface Address {
  host: string;
  port: number;
}

/** A local TCP port whose connections reach the target through one SSH connection. */
export interface SshTunnel extends Address {
  /**
   * Why the latest forwarded connection failed (the SSH server could not
   * reach the target, or the SSH connection could not be re-opened): the
   * driver only sees its socket closed.
   */
  readonly lastError?: ConnectorError;
  /** Stops listening, drops forwarded connections, ends the SSH connection. Idempotent. */
  close(): Promise<void>;
}

export interface SshTunnelOptions {
  /** Limit of the SSH connect and handshake (ssh2's readyTimeout); default 10 s. */
  timeoutMs?: number;
}

/** Host and username required, and a password or a private key; throws a ConfigError naming the fields. */
export function validateSshTunnelHook(hook: SshTunnelHook): void {
  const field = (name: string) => `hooks_params.SSHTunnel.${name}`;
  const issues: { field: string; problem: string }[] = [];
  if (!hook.host) issues.push({ field: field('host'), problem: 'required: the SSH server to tunnel through' });
  if (!hook.username) issues.push({ field: field('username'), problem: 'required: the SSH user' });
  if (!hook.password && !hook.pkey) {
    issues.push({ field: field('password'), problem: 'give a password or a private key (pkey, PEM text)' });
  }
  if (issues.length) throw new ConfigError(issues);
}

/**
 * Listens on `local_host:local_port` (default 127.0.0.1 and a free port) and
 * forwards every accepted connection to `target` through one SSH connection
 * (`direct-tcpip`), re-opened when it drops. Throws a ConnectorError when the
 * SSH server cannot be reached or refuses the login.
 */
export async function openSshTunnel(hook: SshTunnelHook, target: Address, options: SshTunnelOptions = {}): Promise<SshTunnel> {
  validateSshTunnelHook(hook);
  const secrets = [hook.password, hook.pkey, hook.pkey_password];
  const ssh = `${hook.host}:${hook.port ?? 22}`;
  let closed = false;
  let lastError: ConnectorError | undefined;

  // Open SSH connections; a dropped one is opened again by the next forwarded connection.
  const live = new Set<SshClient>();
  let current: Promise<SshClient> | undefined = connectSsh(hook, options.timeoutMs ?? 10_000);
  const track = (client: SshClient) => {
    const attempt = current;
    if (closed) return void client.end();
    live.add(client);
    client.once('close', () => {
      live.delete(client);
      if (current === attempt) current = undefined;
    });
  };
  track(await current);
  const connection = (): Promise<SshClient> => {
    if (current) return current;
    const attempt = connectSsh(hook, options.timeoutMs ?? 10_000);
    current = attempt;
    attempt.then(track, () => current === attempt && (current = undefined));
    return attempt;
  };

  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pause();
    connection().then(
      (client) =>
        client.forwardOut(socket.remoteAddress ?? '127.0.0.1', socket.remotePort ?? 0, target.host, target.port, (err, stream) => {
          if (err || closed || socket.destroyed) {
            if (err) {
              const why = redact(err.message, secrets).replace(/^\(SSH\) /, '');
              lastError = new ConnectorError(
                TestCode.HOST_UNREACHABLE,
                `SSH tunnel: ${ssh} could not connect to ${target.host}:${target.port}: ${why}`,
                true,
              );
            }
            stream?.destroy();
            socket.destroy();
            return;
          }
          stream.on('error', () => socket.destroy());
          stream.once('close', () => socket.destroy());
          socket.once('close', () => stream.destroy());
          socket.pipe(stream).pipe(socket);
          socket.resume();
        }),
      (err: ConnectorError) => {
        lastError = err;
        socket.destroy();
      },
    );
  });

  /** Resolves once the listener and every SSH connection are closed (ending a connection waits at most 2 s). */
  const endAll = async () => {
    closed = true;
    current = undefined;
    const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await Promise.all(
      [...live].map(
        (client) =>
          new Promise<void>((resolve) => {
            client.once('close', resolve);
            setTimeout(resolve, 2_000).unref();
            client.end();
          }),
      ),
    );
    await listenerClosed;
  };
  const local = { host: hook.local_host ?? '127.0.0.1', port: hook.local_port ?? 0 };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(local.port, local.host, () => (server.off('error', reject), resolve()));
    });
  } catch (err) {
    await endAll();
    throw new ConfigError([
      {
        field: 'hooks_params.SSHTunnel.local_port',
        problem: `cannot listen on ${local.host}:${local.port} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      },
    ]);
  }

  const address = server.address() as { address: string; port: number };
  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    get lastError() {
      return lastError;
    },
    close: () => (closing ??= endAll()),
  };
}

function connectSsh(hook: SshTunnelHook, timeoutMs: number): Promise<SshClient> {
  // Loaded on first use: importing the SDK stays light.
  const { Client } = require('ssh2') as typeof import('ssh2');
  const secrets = [hook.password, hook.pkey, hook.pkey_password];
  const where = `${hook.host}:${hook.port ?? 22}`;
  const config: ConnectConfig = {
    host: hook.host,
    port: hook.port ?? 22,
    username: hook.username,
    password: hook.password,
    privateKey: hook.pkey,
    passphrase: hook.pkey_password,
    readyTimeout: timeoutMs,
    // Long loads hold the tunnel for hours: notice a dead peer.
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
    // The hook has no known-hosts field (neither has Syntho's), so any host key is accepted.
  };
  return new Promise<SshClient>((resolve, reject) => {
    const client = new Client();
    let ready = false;
    // After `ready`, errors end the connection ('close' follows); they must not crash the worker.
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (ready) return;
      client.end();
      reject(sshError(err, where, hook.username!, secrets));
    });
    client.once('ready', () => ((ready = true), resolve(client)));
    try {
      client.connect(config);
    } catch (err) {
      // ssh2 parses the key synchronously: a malformed key or a wrong passphrase ends here.
      const encrypted = /passphrase|encrypted/i.test(String((err as Error)?.message));
      reject(
        new ConfigError([
          hook.pkey_password || encrypted
            ? { field: 'hooks_params.SSHTunnel.pkey_password', problem: 'cannot decrypt the private key with it (or it is missing)' }
            : { field: 'hooks_params.SSHTunnel.pkey', problem: 'cannot parse the private key (OpenSSH or PEM text expected)' },
        ]),
      );
    }
  });
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

function sshError(err: Error & { level?: string; code?: string }, where: string, user: string, secrets: (string | undefined)[]): ConnectorError {
  const why = redact(err.message ?? String(err), secrets);
  if (err.level === 'client-authentication') {
    return new ConnectorError(
      TestCode.AUTHENTICATION_FAILED,
      `SSH tunnel: ${where} refused the login of ${user} (check the tunnel's username, password or private key)`,
      false,
    );
  }
  if (err.level === 'client-timeout') {
    return new ConnectorError(TestCode.TIMEOUT, `SSH tunnel: no SSH handshake with ${where} in time: ${why}`, true);
  }
  if (err.level === 'client-dns' || UNREACHABLE.has(err.code ?? '')) {
    return new ConnectorError(TestCode.HOST_UNREACHABLE, `SSH tunnel: cannot reach the SSH server ${where}: ${why}`, true);
  }
  return new ConnectorError(TestCode.DRIVER_ERROR, `SSH tunnel: ${where}: ${why}`, false);
}

/** What the tunnel helpers need of a connector config. */
export interface TunnelledConfig extends Address {
  connect_timeout_ms: number;
  hooks_params?: { SSHTunnel?: SshTunnelHook | undefined } | undefined;
}

async function tunnelFor(config: TunnelledConfig): Promise<SshTunnel | undefined> {
  const hook = config.hooks_params?.SSHTunnel;
  if (!hook) return undefined;
  return openSshTunnel(hook, { host: config.host, port: config.port }, { timeoutMs: config.connect_timeout_ms });
}

/** The tunnel's reason when the driver failed because a forwarded connection did (it only saw its socket closed). */
function explain(err: unknown, tunnel: SshTunnel): unknown {
  return tunnel.lastError ?? err;
}

/**
 * Runs `use` with the address the driver connects to: the config's own, or,
 * with `hooks_params.SSHTunnel`, the local end of a tunnel to it that lives
 * until `use` settles (or `signal` aborts). For one-off work such as `test`.
 */
export async function throughTunnel<T>(
  config: TunnelledConfig,
  use: (address: Address) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  if (!config.hooks_params?.SSHTunnel) return use({ host: config.host, port: config.port });
  const tunnel = await tunnelFor(config);
  // Closing the tunnel drops the driver's socket: a cancelled test ends at once.
  const abort = () => void tunnel!.close();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    return await use(tunnel!);
  } catch (err) {
    throw explain(err, tunnel!);
  } finally {
    signal?.removeEventListener('abort', abort);
    await tunnel!.close();
  }
}

/**
 * Opens a session like `throughTunnel`, but the tunnel lives until the
 * session's `close()` (or closes at once when opening fails).
 */
export async function openThroughTunnel<S extends { close(): Promise<void> }>(
  config: TunnelledConfig,
  open: (address: Address) => Promise<S>,
): Promise<S> {
  const tunnel = await tunnelFor(config);
  if (!tunnel) return open({ host: config.host, port: config.port });
  let session: S;
  try {
    session = await open(tunnel);
  } catch (err) {
    await tunnel.close();
    throw explain(err, tunnel);
  }
  const closeSession = session.close.bind(session);
  session.close = async () => {
    try {
      await closeSession();
    } finally {
      await tunnel.close();
    }
  };
  return session;
}

/** ` through the SSH tunnel user@host:port` for messages, or '' without the hook. */
export function viaTunnel(config: TunnelledConfig): string {
  const hook = config.hooks_params?.SSHTunnel;
  return hook ? ` through the SSH tunnel ${hook.username}@${hook.host}:${hook.port ?? 22}` : '';
}
