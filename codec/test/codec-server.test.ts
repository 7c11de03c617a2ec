import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, parseCodecKeys, startCodecServer, type CodecServerOptions } from '@sluice/codec';

const codec = new EncryptionCodec(parseCodecKeys(`k1:${randomBytes(32).toString('base64')}`));
const b64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('base64');
const TOKEN = randomBytes(32).toString('base64url');

async function withServer(options: Partial<CodecServerOptions>, fn: (url: string) => Promise<void>): Promise<void> {
  const server = await startCodecServer({ codec, token: TOKEN, ...options });
  try {
    await fn(server.url);
  } finally {
    await server.close();
  }
}

/** A raw HTTP request, so that the Host header can be anything. */
function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const bearer = { authorization: `Bearer ${TOKEN}` };
const plainBody = () => {
  const plain = defaultPayloadConverter.toPayload({ url: 'postgresql://u:Secret-Pw@h/db' });
  return { payloads: [{ metadata: Object.fromEntries(Object.entries(plain.metadata!).map(([k, v]) => [k, b64(v)])), data: b64(plain.data) }] };
};

test('the UI protocol: /decode returns what /encode sealed; CORS only for the UI origin', async () => {
  await withServer({ corsOrigins: ['http://localhost:8233'], enableEncode: true }, async (url) => {
    const encodedRes = await post(url, '/encode', plainBody(), { ...bearer, origin: 'http://localhost:8233' });
    expect(encodedRes.status).toBe(200);
    expect(encodedRes.headers['access-control-allow-origin']).toBe('http://localhost:8233');
    const encoded = encodedRes.json;
    expect(Buffer.from(encoded.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded.payloads[0].data, 'base64').toString('latin1')).not.toContain('Secret-Pw');
    const decoded = (await post(url, '/decode', encoded, { ...bearer, origin: 'http://localhost:8233' })).json;
    expect(JSON.parse(Buffer.from(decoded.payloads[0].data, 'base64').toString())).toEqual({ url: 'postgresql://u:Secret-Pw@h/db' });
    const other = await post(url, '/decode', encoded, { ...bearer, origin: 'http://evil.example' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

test('no token → 401, wrong token → 401, right token → 200 as a Bearer header or as a path prefix', async () => {
  await withServer({}, async (url) => {
    expect((await post(url, '/decode', { payloads: [] })).status).toBe(401);
    expect((await post(url, '/decode', { payloads: [] }, { authorization: 'Bearer wrong-token-of-some-length' })).status).toBe(401);
    expect((await post(url, `/wrong-token-of-some-length/decode`, { payloads: [] })).status).toBe(401);
    expect((await post(url, `/${TOKEN}x/decode`, { payloads: [] })).status).toBe(401);
    const header = await post(url, '/decode', { payloads: [] }, bearer);
    expect([header.status, header.json]).toEqual([200, { payloads: [] }]);
    const path = await post(url, `/${TOKEN}/decode`, { payloads: [] });
    expect([path.status, path.json]).toEqual([200, { payloads: [] }]);
  });
});

test('a foreign Host header is refused with 421 (DNS rebinding); loopback names and --allowed-host pass', async () => {
  await withServer({ allowedHosts: ['codec.internal'] }, async (url) => {
    const port = new URL(url).port;
    expect((await post(url, '/decode', { payloads: [] }, { ...bearer, host: `evil.example:${port}` })).status).toBe(421);
    expect((await post(url, '/decode', { payloads: [] }, { ...bearer, host: `127.0.0.1:1` })).status).toBe(421);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `codec.internal:${port}`, 'codec.internal']) {
      expect({ host, status: (await post(url, '/decode', { payloads: [] }, { ...bearer, host })).status }).toEqual({ host, status: 200 });
    }
  });
});

test('/encode is refused unless enabled', async () => {
  await withServer({}, async (url) => {
    expect((await post(url, '/encode', plainBody(), bearer)).status).toBe(403);
  });
  await withServer({ enableEncode: true }, async (url) => {
    expect((await post(url, '/encode', plainBody(), bearer)).status).toBe(200);
  });
});

test('refuses to start without a token, and without one on a non-loopback address even when insecure', async () => {
  await expect(startCodecServer({ codec })).rejects.toThrow(/SLUICE_CODEC_SERVER_TOKEN/);
  await expect(startCodecServer({ codec, host: '0.0.0.0', insecureNoAuth: true })).rejects.toThrow(/loopback/);
  await expect(startCodecServer({ codec, token: 'short' })).rejects.toThrow(/too short/);
  const insecure = await startCodecServer({ codec, insecureNoAuth: true });
  try {
    expect((await post(insecure.url, '/decode', { payloads: [] })).status).toBe(200);
  } finally {
    await insecure.close();
  }
});

test('after 10 failed authentications in a minute an address gets 429, even with the right token', async () => {
  await withServer({}, async (url) => {
    for (let i = 0; i < 10; i++) expect((await post(url, '/decode', { payloads: [] }, { authorization: `Bearer guess-${i}-of-some-length` })).status).toBe(401);
    expect((await post(url, '/decode', { payloads: [] }, { authorization: 'Bearer guess-11-of-some-length' })).status).toBe(429);
    expect((await post(url, '/decode', { payloads: [] }, bearer)).status).toBe(429);
  });
});
