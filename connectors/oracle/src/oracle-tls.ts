import { generateKeyPairSync, sign } from 'node:crypto';

/*
 * node-oracledb thin mode builds its TLS context from one PEM "wallet"
 * (`walletContent`), passed to Node as certificate, key AND trusted CAs at
 * once (lib/thin/sqlnet/ntTcp.js: `createSecureContext({ cert: wallet, key:
 * wallet, ca: wallet })`). A wallet holding only a CA certificate therefore
 * fails ("DECODER routines::unsupported"): there is no key. To trust a
 * private CA without a client certificate, the wallet gets a throw-away
 * Ed25519 key and a self-signed certificate for it (never sent unless the
 * server asks for a client certificate, which it would refuse anyway).
 */

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else if (n < 0x100) len = Buffer.from([0x81, n]);
  else if (n < 0x10000) len = Buffer.from([0x82, n >> 8, n & 0xff]);
  else len = Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const ED25519 = seq(der(0x06, Buffer.from([0x2b, 0x65, 0x70]))); // 1.3.101.112
const CN = der(0x06, Buffer.from([0x55, 0x04, 0x03])); // 2.5.4.3

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const text = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  return der(0x17, Buffer.from(text, 'ascii'));
}

function pem(label: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A self-signed X.509 (v1) certificate and its PKCS#8 key, PEM, valid from yesterday for a year. */
export function ephemeralClientCertificate(now = new Date()): { cert: string; key: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const name = seq(der(0x31, seq(CN, der(0x0c, Buffer.from('sluice-ephemeral', 'utf8')))));
  const validity = seq(utcTime(new Date(now.getTime() - 86_400_000)), utcTime(new Date(now.getTime() + 365 * 86_400_000)));
  const serial = der(0x02, Buffer.from([0x01, ...Array.from({ length: 8 }, () => Math.floor(Math.random() * 256))]));
  const tbs = seq(serial, ED25519, name, validity, name, publicKey.export({ type: 'spki', format: 'der' }));
  const signature = sign(null, tbs, privateKey);
  const certificate = seq(tbs, ED25519, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return { cert: pem('CERTIFICATE', certificate), key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/**
 * The `walletContent` for the SSL hook's PEMs: the client certificate and
 * key (or a throw-away pair when only a CA is given), then the CA. Order
 * matters: Node takes the first certificate as the client's own.
 */
export function walletFor(pems: { ca?: string; cert?: string; key?: string }): string | undefined {
  if (!pems.ca && !pems.cert && !pems.key) return undefined;
  const own = pems.cert && pems.key ? { cert: pems.cert, key: pems.key } : ephemeralClientCertificate();
  return [own.cert, pems.ca, own.key].filter(Boolean).map((p) => p!.trim() + '\n').join('');
}
