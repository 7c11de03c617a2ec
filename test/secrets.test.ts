import { EncryptionCodec, loadCodecKeys } from '@sluice/codec';
import { pgUrl, withUrl } from './helpers/databases';
import { decodedHistoryText, failuresText } from './helpers/history';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

// Issue 16, "No secret leaves its vault": what a history, a search attribute and a payload hold.
let env: TestTemporal;
beforeAll(async () => {
  env = await startTestTemporal();
});
afterAll(async () => {
  await env?.stop();
});

const codec = () => new EncryptionCodec(loadCodecKeys());

test('a failed job keeps its failure message and stack encrypted in history', async () => {
  const database = 'no_such_db_failure_text';
  const id = await env.client.startTestConnection({ url: withUrl(pgUrl(), { database }) });
  const message = await env.client.testConnectionResult(id);
  expect(message).toMatchObject({ code: 'DATABASE_NOT_FOUND', kind: 'error' });
  expect((await env.client.getJob(id)).state).toBe('ERROR');

  const raw = await failuresText(env.client, id);
  expect(raw).toContain('Encoded failure');
  expect(raw).not.toContain(database);
  expect(raw).not.toContain('DATABASE_NOT_FOUND:'); // the message
  expect(raw).not.toMatch(/\bat [\w.<>]+ \(/); // no stack frame in clear

  const decoded = await decodedHistoryText(env.client, id, codec());
  expect(decoded).toContain(database);
  expect(decoded).toContain('stack_trace');
});
