import { randomBytes } from 'node:crypto';
import { describeConnection } from '@sluice/client/dist/job-ids';
import { redact, secretsOfSpec } from '@sluice/connector-sdk';
import { connectionArg } from '../src/connection-arg';
import { redactArg, safeTitle } from '../src/command-line';
import { withPassword } from '../src/passwords';

// Property-style: generated URLs, well-formed and not, whose passwords hold the characters that break naive parsers.
const SPECIAL = ['/', '@', ':', '%', '#', '?', ' ', '%40', '@@', '//'];
const SCHEMES = ['postgresql://', 'postgresql:/', 'postgres:', 'postgres://', 'mysql://', 'mariadb:', 'mongodb://'];

function rand(n: number): number {
  return randomBytes(1)[0]! % n;
}

function generated(): { url: string; password: string } {
  // A marker that appears nowhere else in the URL, wrapped in special characters.
  const marker = `Pw${randomBytes(4).toString('hex')}`;
  const parts = [marker];
  for (let i = 0; i < 1 + rand(4); i++) parts.splice(rand(parts.length + 1), 0, SPECIAL[rand(SPECIAL.length)]!);
  const password = parts.join('');
  const host = ['db.example', '127.0.0.1', 'h'][rand(3)]!;
  const port = rand(2) ? `:${5000 + rand(1000)}` : '';
  const path = rand(2) ? '/shop' : '';
  const query = rand(3) === 0 ? '?sslmode=require' : '';
  return { url: `${SCHEMES[rand(SCHEMES.length)]}app:${password}@${host}${port}${path}${query}`, password };
}

const leaks = (text: string, password: string) => text.includes(password) || text.includes(password.replace(/^[^P]*/, '').slice(0, 10));

test('no generated password survives the process title, summaries, usage errors or scrubbed messages', () => {
  for (let i = 0; i < 500; i++) {
    const { url, password } = generated();
    const seen = { url };
    expect({ ...seen, title: leaks(safeTitle(['node', 'bin.js', 'sync', url, `--url=${url}`]) ?? '', password) }).toEqual({ ...seen, title: false });
    expect({ ...seen, arg: leaks(redactArg(url), password) }).toEqual({ ...seen, arg: false });
    expect({ ...seen, summary: leaks(describeConnection({ url }), password) }).toEqual({ ...seen, summary: false });
    let usage = '';
    try {
      connectionArg(url);
    } catch (err) {
      usage = (err as Error).message;
    }
    expect({ ...seen, usage: leaks(usage, password) }).toEqual({ ...seen, usage: false });
    // What activities scrub their messages with: every secret of the spec.
    const scrubbed = redact(`could not connect to ${url}: ${password} rejected`, secretsOfSpec({ url }));
    expect({ ...seen, scrubbed: leaks(scrubbed, password) }).toEqual({ ...seen, scrubbed: false });
  }
});

test('a command line without passwords keeps its title', () => {
  expect(safeTitle(['node', 'bin.js', 'sync', 'postgresql://app@h/db', 'orders-db', '--table', 'a.b'])).toBeNull();
});

test('passwords from the environment or a file fill in URLs and configs given without one', () => {
  const env = { SLUICE_SOURCE_PASSWORD: 'p@ss/w:rd #1', SLUICE_DESTINATION_PASSWORD: 'dst' };
  const src = withPassword({ url: 'postgresql://app@h:5432/db' }, 'source', {}, env);
  expect(src).toEqual({ url: `postgresql://app:${encodeURIComponent('p@ss/w:rd #1')}@h:5432/db` });
  expect(decodeURIComponent(new URL((src as { url: string }).url).password)).toBe('p@ss/w:rd #1');
  expect(withPassword({ url: 'postgresql://app:own@h/db' }, 'source', {}, env)).toEqual({ url: 'postgresql://app:own@h/db' });
  expect(withPassword({ config: { connector_type: 'PostgreSQLConnector', host: 'h' } }, 'destination', {}, env)).toEqual({ config: { connector_type: 'PostgreSQLConnector', host: 'h', password: 'dst' } });
  expect(withPassword({ connectionId: 'orders-db' }, 'source', {}, env)).toEqual({ connectionId: 'orders-db' });
  expect(() => withPassword({ url: 'postgresql://h/db' }, 'source', {}, env)).toThrow(/names no user/);
  expect(withPassword({ url: 'postgresql://app@h/db' }, 'source', {}, {})).toEqual({ url: 'postgresql://app@h/db' });
});
