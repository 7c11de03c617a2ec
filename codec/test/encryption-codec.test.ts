import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, parseCodecKeys } from '@sluice/codec';

const key = () => randomBytes(32).toString('base64');

test('payloads round-trip and the ciphertext holds no clear text', async () => {
  const codec = new EncryptionCodec(parseCodecKeys(`k1:${key()}`));
  const payload = defaultPayloadConverter.toPayload({ password: 'Plain-Secret-42' });
  const [encoded] = await codec.encode([payload]);
  expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain('Plain-Secret-42');
  expect(Buffer.from(encoded!.metadata!['encryption-key-id']!).toString()).toBe('k1');
  const [decoded] = await codec.decode([encoded!]);
  expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ password: 'Plain-Secret-42' });
});

test('rotation: the new first key encrypts, the old key still decrypts old payloads', async () => {
  const oldKey = key();
  const before = new EncryptionCodec(parseCodecKeys(`old:${oldKey}`));
  const [sealed] = await before.encode([defaultPayloadConverter.toPayload('history')]);
  const after = new EncryptionCodec(parseCodecKeys(`new:${key()},old:${oldKey}`));
  expect(defaultPayloadConverter.fromPayload((await after.decode([sealed!]))[0]!)).toBe('history');
  const [fresh] = await after.encode([defaultPayloadConverter.toPayload('x')]);
  expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('new');
});

test('a payload sealed with an unknown key id fails with the fix named', async () => {
  const [sealed] = await new EncryptionCodec(parseCodecKeys(`gone:${key()}`)).encode([defaultPayloadConverter.toPayload(1)]);
  await expect(new EncryptionCodec(parseCodecKeys(`k2:${key()}`)).decode([sealed!])).rejects.toThrow(/'gone'.*SLUICE_CODEC_KEYS/);
});

test('malformed key specs are refused with the expected format', () => {
  expect(() => parseCodecKeys('k1:tooshort')).toThrow(/entry 1 must be <key-id>:<32 bytes in base64>/);
  expect(() => parseCodecKeys('')).toThrow(/empty/);
});
