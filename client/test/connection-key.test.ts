import { randomBytes } from 'node:crypto';
import { parseCodecKeys } from '@sluice/codec';
import { connectionKey, connectionKeys } from '../src/job-ids';
import { connectionIdentity } from '../src/connection-identity';

const key = () => randomBytes(32).toString('base64');

test('the identity merges spellings of one database and drops the password', () => {
  const id = 'postgresql://app@db.example:5432/shop';
  expect(connectionIdentity({ url: 'postgresql://app:pw@db.example:5432/shop' })).toBe(id);
  expect(connectionIdentity({ url: 'postgres://app:other@DB.example/shop?sslmode=require' })).toBe(id);
  expect(connectionIdentity({ url: 'postgresql://app:p@ss/w:rd?#@db.example:5432/shop' })).toBe(id);
  expect(connectionIdentity({ config: { connector_type: 'PostgreSQLConnector', host: 'db.example', port: 5432, database: 'shop', username: 'app', password: 'x' } })).toBe(id);
  expect(connectionIdentity({ url: 'mariadb://u:p@h/d' })).toBe(connectionIdentity({ url: 'mysql://u@h:3306/d' }));
  expect(connectionIdentity({ url: 'postgresql://app@db.example:5432/other' })).not.toBe(id);
});

test('keys are opaque, keyed, stable, and found across a key rotation', () => {
  const old = parseCodecKeys(`old:${key()}`);
  const spec = { url: 'postgresql://app:Secret-9@db.example:5432/shop' };
  const k = connectionKey(spec, old);
  expect(k).toMatch(/^url:[0-9a-f]{32}$/);
  expect(connectionKey({ url: 'postgresql://app@db.example/shop' }, old)).toBe(k);
  expect(connectionKey(spec, parseCodecKeys(`other:${key()}`))).not.toBe(k);
  const rotated = parseCodecKeys(`new:${key()},old:${old.byId.get('old')!.toString('base64')}`);
  expect(connectionKeys(spec, rotated)).toHaveLength(2);
  expect(connectionKeys(spec, rotated)).toContain(k);
  expect(connectionKey({ connectionId: 'c-1' }, old)).toBe('c-1');
});

test('summaries name where a connection points, without password or query', () => {
  const { describeConnection } = jest.requireActual('../src/job-ids') as typeof import('../src/job-ids');
  expect(describeConnection({ url: 'postgresql://app:p@ss/w#rd@db:5432/shop?sslpassword=Qz9-secret&sslmode=require' })).toBe('postgresql://app@db:5432/shop');
});
