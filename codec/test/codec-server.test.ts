import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, parseCodecKeys, startCodecServer } from '@sluice/codec';

const codec = new EncryptionCodec(parseCodecKeys(`k1:${randomBytes(32).toString('base64')}`));
const b64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('base64');

test('the UI protocol: /decode returns what /encode sealed; CORS only for the UI origin', async () => {
  const server = await startCodecServer({ codec, corsOrigins: ['http://localhost:8233'] });
  try {
    const plain = defaultPayloadConverter.toPayload({ url: 'postgresql://u:Secret-Pw@h/db' });
    const body = { payloads: [{ metadata: Object.fromEntries(Object.entries(plain.metadata!).map(([k, v]) => [k, b64(v)])), data: b64(plain.data) }] };
    const post = (path: string, payload: unknown, origin = 'http://localhost:8233') =>
      fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify(payload) });
    const encodedRes = await post('/encode', body);
    expect(encodedRes.status).toBe(200);
    expect(encodedRes.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    const encoded = await encodedRes.json();
    expect(Buffer.from(encoded.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded.payloads[0].data, 'base64').toString('latin1')).not.toContain('Secret-Pw');
    const decoded = await (await post('/decode', encoded)).json();
    expect(JSON.parse(Buffer.from(decoded.payloads[0].data, 'base64').toString())).toEqual({ url: 'postgresql://u:Secret-Pw@h/db' });
    const other = await post('/decode', encoded, 'http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  } finally {
    await server.close();
  }
});

test('with a token, requests without it are refused', async () => {
  const server = await startCodecServer({ codec, token: 't0ken' });
  try {
    const res = await fetch(server.url + '/decode', { method: 'POST', body: '{"payloads":[]}' });
    expect(res.status).toBe(401);
    const ok = await fetch(server.url + '/decode', { method: 'POST', headers: { authorization: 'Bearer t0ken' }, body: '{"payloads":[]}' });
    expect(await ok.json()).toEqual({ payloads: [] });
  } finally {
    await server.close();
  }
});
