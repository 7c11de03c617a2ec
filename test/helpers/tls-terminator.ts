import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';

export interface TestPki {
  dir: string;
  /** The self-signed CA that signed the server and client certificates. */
  caFile: string;
  /** Another CA that signed nothing the server shows. */
  otherCaFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  remove(): void;
}

/** A self-signed CA, a server certificate for localhost and 127.0.0.1, and a client certificate, made by openssl. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-tls-'));
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ca = (name: string, cn: string) =>
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ca('ca', 'Sluice Test CA');
  ca('other-ca', 'Some Other CA');
  const leaf = (name: string, cn: string, ext: string) => {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    writeFileSync(f(`${name}.ext`), ext);
    openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`));
  };
  leaf('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'sluice-worker', 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  return {
    dir,
    caFile: f('ca.pem'),
    otherCaFile: f('other-ca.pem'),
    serverCertFile: f('server.pem'),
    serverKeyFile: f('server.key'),
    clientCertFile: f('client.pem'),
    clientKeyFile: f('client.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsTerminator {
  /** localhost:<port> */
  address: string;
  port: number;
  /** Completed TLS handshakes so far. */
  sessions(): number;
  close(): Promise<void>;
}

/**
 * A TLS terminator on loopback in front of a plaintext gRPC server: it
 * completes the handshake with the server certificate (ALPN h2, as gRPC
 * requires) and pipes the bytes to `target`. With `clientCa`, it asks for a
 * client certificate signed by that CA (mTLS) and refuses connections without one.
 */
export function startTlsTerminator(pki: TestPki, target: string, options: { clientCa?: string } = {}): Promise<TlsTerminator> {
  const i = target.lastIndexOf(':');
  const [targetHost, targetPort] = [target.slice(0, i), Number(target.slice(i + 1))];
  let sessions = 0;
  const open = new Set<Socket>();
  const server: Server = createServer(
    {
      key: readFileSync(pki.serverKeyFile),
      cert: readFileSync(pki.serverCertFile),
      ALPNProtocols: ['h2'],
      ...(options.clientCa && { requestCert: true, rejectUnauthorized: true, ca: readFileSync(options.clientCa) }),
    },
    (tlsSocket) => {
      sessions++;
      const upstream = netConnect(targetPort, targetHost);
      for (const s of [tlsSocket, upstream]) {
        open.add(s);
        s.on('close', () => open.delete(s));
      }
      tlsSocket.pipe(upstream).pipe(tlsSocket);
      tlsSocket.on('error', () => upstream.destroy());
      upstream.on('error', () => tlsSocket.destroy());
    },
  );
  server.on('tlsClientError', () => undefined); // refused handshakes are what some tests want
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        address: `localhost:${port}`,
        port,
        sessions: () => sessions,
        close: () =>
          new Promise((done) => {
            for (const s of open) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
