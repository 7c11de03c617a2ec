import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { describe, expect, test } from '@jest/globals';
import type { RelationalConfig } from '../config';
import { ConnectorError } from '../errors';
import type { SshTunnelHook } from '../ssh-tunnel';
import { configFor } from './context';
import type { ContractFixture } from './fixture';

function sshHook(url: string): SshTunnelHook {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 22), username: decodeURIComponent(u.username), pkey: readFileSync(u.searchParams.get('key')!, 'utf8') };
}


async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/**
 * `hooks_params.SSHTunnel` through a real sshd (`sshUrl`: ssh://user@host:port?key=<private key file>)
 * to the fixture's real server; host/port name the database as the SSH server sees it.
 * Skipped (and shown as skipped) without both URLs.
 */
export function runSshTunnelSuite(fixture: ContractFixture, sshUrl = process.env.SLUICE_SSH_URL): void {
  const missing = [fixture.url ? null : fixture.urlVariable, sshUrl ? null : 'SLUICE_SSH_URL'].filter(Boolean);
  const title = `${fixture.plugin.displayName} through an SSH tunnel`;
  if (missing.length) {
    describe.skip(`${title} (skipped: ${missing.join(', ')} not set; run scripts/setup.sh)`, () => {
      test.skip('needs a database and an SSH server', () => undefined);
    });
    return;
  }
  const plugin = fixture.plugin;
  const dbUrl = fixture.url!;
  const tunnelled = (hook: Partial<SshTunnelHook> = {}, url = dbUrl): RelationalConfig => ({
    ...configFor(fixture, url),
    connect_timeout_ms: 5_000,
    hooks_params: { SSHTunnel: { ...sshHook(sshUrl!), ...hook } },
  });
  describe(title, () => {
    test('test answers CONNECTION_OK through the tunnel', async () => {
      const answer = await plugin.test(tunnelled());
      expect(answer.code).toBe('CONNECTION_OK');
      expect(answer.body).toContain('through the SSH tunnel');
    });

    test('a session through the tunnel introspects, writes and reads; close() closes the tunnel', async () => {
      const localPort = await freePort();
      const schema = `sluice_ssh_${randomBytes(4).toString('hex')}`;
      const admin = await fixture.admin();
      await admin.createSchema(schema);
      const session = await plugin.open(tunnelled({ local_port: localPort }));
      try {
        expect(await accepts(localPort)).toBe(true);
        const table = { schema, name: 'notes' };
        await session.createTable!(table, {
          columns: [
            { name: 'id', type: { kind: 'int32' }, nullable: false },
            { name: 'body', type: { kind: 'text' }, nullable: true },
          ],
          primaryKey: ['id'],
        });
        const [introspected] = await session.introspect(schema);
        expect(introspected!.name).toBe('notes');
        expect(introspected!.columns.map((c) => c.name)).toEqual(['id', 'body']);
        const writer = await session.openWriter(table, { columns: ['id', 'body'], mode: 'append' });
        expect(await writer.write([[1, 'through'], [2, 'the tunnel']])).toBe(2);
        await writer.close();
        const rows: unknown[][] = [];
        for await (const batch of session.read(table, { key: ['id'] })) rows.push(...batch.rows);
        expect(rows).toEqual([[1, 'through'], [2, 'the tunnel']]);
      } finally {
        await session.close();
        await admin.dropSchema(schema);
        await admin.close();
      }
      expect(await accepts(localPort)).toBe(false);
      await session.close(); // idempotent
    });

    test('a failed open closes its tunnel too', async () => {
      const localPort = await freePort();
      const wrongPassword = new URL(dbUrl);
      wrongPassword.password = 'N0t-The-Pa55';
      const err = await plugin.open(tunnelled({ local_port: localPort }, wrongPassword.toString())).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).code).toBe('AUTHENTICATION_FAILED');
      expect(await accepts(localPort)).toBe(false);
    });

    test('a wrong SSH key: AUTHENTICATION_FAILED, no key material in the answer', async () => {
      const { privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      const answer = await plugin.test(tunnelled({ pkey: privateKey }));
      expect(answer.code).toBe('AUTHENTICATION_FAILED');
      expect(answer.body).toMatch(/SSH tunnel/);
      const text = JSON.stringify(answer);
      expect(text).not.toContain('PRIVATE KEY');
      for (const line of privateKey.split('\n').slice(1, -2)) expect(text).not.toContain(line);
    });

    test('an unreachable SSH port: HOST_UNREACHABLE', async () => {
      const answer = await plugin.test(tunnelled({ port: await freePort() }));
      expect(answer.code).toBe('HOST_UNREACHABLE');
    });

    test('a database the SSH server cannot reach: HOST_UNREACHABLE', async () => {
      const closed = new URL(dbUrl);
      closed.port = String(await freePort());
      const answer = await plugin.test(tunnelled({}, closed.toString()));
      expect(answer.code).toBe('HOST_UNREACHABLE');
      expect(answer.body).toMatch(/SSH tunnel/);
    });

    test('an incomplete hook is INVALID_CONFIG naming the fields', async () => {
      const answer = await plugin.test(tunnelled({ username: undefined, pkey: undefined }));
      expect(answer.code).toBe('INVALID_CONFIG');
      expect(answer.body).toContain('hooks_params.SSHTunnel.username');
      expect(answer.body).toContain('hooks_params.SSHTunnel.password');
    });
  });
}
