import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConnectionError, InvalidInputError, ScheduleSpecError, type ConnectionSpec, type SyncInput } from '@sluice/client';
import { envWithout, runSluice, type CliResult } from './helpers/cli';
import { pgUrl } from './helpers/databases';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

// Input checked at the door: every bad option, argument, config file and client argument is
// refused before anything reaches Temporal — exit 2 (a usage error, as the README says) with a
// message naming the option or field — and no workflow or schedule exists afterwards on the
// real Temporal server the CLI and the client point at.

const dir = mkdtempSync(join(tmpdir(), 'sluice-bad-inputs-'));
const file = (name: string, body: string) => {
  writeFileSync(join(dir, name), body);
  return join(dir, name);
};
const PG = 'postgresql://app@127.0.0.1:5432/shop';
const LONG_HOST = 'h'.repeat(254);
const config = (fields: Record<string, unknown>) =>
  JSON.stringify({ connector_type: 'PostgreSQLConnector', host: '127.0.0.1', database: 'shop', username: 'app', password: 'Fil3-Pa55', ...fields });
const files = {
  nul: file('null.json', 'null'),
  array: file('array.json', '[]'),
  broken: file('broken.json', '{\n  "connector_type": "PostgreSQLConnector",\n  "host": localhost\n}'),
  truncated: file('truncated.json', '{"connector_type": "PostgreSQLConnector", '),
  trailingComma: file('comma.json', '{"connector_type": "PostgreSQLConnector",}'),
  noType: file('no-type.json', JSON.stringify({ host: 'h', database: 'd', username: 'u', password: 'p' })),
  port0: file('port0.json', config({ port: 0 })),
  portText: file('port-text.json', config({ port: '5432' })),
  emptyHost: file('empty-host.json', config({ host: '' })),
  longHost: file('long-host.json', config({ host: LONG_HOST })),
  typo: file('typo.json', config({ hots: 'x' })),
  sslMode: file('ssl-mode.json', config({ hooks_params: { SSL: { ssl_mode: 'always' } } })),
  missing: join(dir, 'missing.json'),
  password: file('password.txt', 'Fil3-Pa55\n'),
};
const T = ['--table', 'public.orders'];
const sync = (...args: string[]) => ['sync', PG, PG, ...args];
const create = (...args: string[]) => ['schedule', 'create', 'nightly', PG, PG, ...T, ...args];

interface Row {
  /** What the row gives. */
  what: string;
  args: string[];
  /** stderr must name the option or field (and say what to give). */
  stderr: RegExp;
  /** When a row also answers on stdout (`test --json`). */
  stdout?: RegExp;
}

const rows: Row[] = [
  // sync: numbers
  { what: '--batch-size 0', args: sync(...T, '--batch-size', '0'), stderr: /--batch-size must be a whole number from 1 to 1,000,000; got '0'/ },
  { what: '--batch-size negative', args: sync(...T, '--batch-size', '-5'), stderr: /--batch-size must be a whole number/ },
  { what: '--batch-size too large', args: sync(...T, '--batch-size', '1000001'), stderr: /--batch-size must be a whole number from 1 to 1,000,000/ },
  { what: '--batch-size not a number', args: sync(...T, '--batch-size', 'lots'), stderr: /--batch-size must be a whole number.*got 'lots'/ },
  { what: '--batch-size fraction', args: sync(...T, '--batch-size', '2.5'), stderr: /--batch-size must be a whole number/ },
  { what: '--parallel 0', args: sync(...T, '--parallel', '0'), stderr: /--parallel must be a whole number from 1 to 64/ },
  { what: '--parallel too large', args: sync(...T, '--parallel', '65'), stderr: /--parallel must be a whole number from 1 to 64; got '65'/ },
  // sync: names
  { what: '--table without a table name', args: sync('--table', 'public.'), stderr: /--table public\.: expected SCHEMA\.TABLE/ },
  { what: '--table without a schema', args: sync('--table', '.orders'), stderr: /--table \.orders: expected SCHEMA\.TABLE/ },
  { what: '--table name of 256 characters', args: sync('--table', `public.${'t'.repeat(256)}`), stderr: /--table: tables\[0\]\.name: must be at most 255 characters; got 256/ },
  { what: 'neither --table nor --schema', args: sync(), stderr: /give --table SCHEMA\.TABLE .* or --schema SCHEMA/ },
  { what: 'empty --schema', args: sync('--schema', ''), stderr: /--schema: must not be empty/ },
  { what: 'empty --destination-schema', args: sync(...T, '--destination-schema', ' '), stderr: /--destination-schema: must not be empty/ },
  { what: 'empty --cursor-column', args: sync(...T, '--cursor-column', ''), stderr: /--cursor-column: must not be empty/ },
  // sync: choices, unknown options, arguments
  { what: '--mode not a mode', args: sync(...T, '--mode', 'merge'), stderr: /--mode <mode>' argument 'merge' is invalid\. Allowed choices are append, upsert, replace/ },
  { what: '--verify not a check', args: sync(...T, '--verify', 'maybe'), stderr: /--verify maybe: expected count, checksum or none/ },
  { what: '--zero-dates not a choice', args: sync(...T, '--zero-dates', 'epoch'), stderr: /--zero-dates: must be one of error, null/ },
  { what: 'an unknown option', args: sync(...T, '--batchsize', '10'), stderr: /unknown option '--batchsize'.*\n.*Did you mean --batch-size\?|unknown option '--batchsize'/ },
  { what: 'a missing <destination>', args: ['sync', PG, ...T], stderr: /missing required argument 'destination'/ },
  { what: 'an unknown command', args: ['synk', PG, PG], stderr: /unknown command 'synk'/ },
  // sync: connection URLs, checked with the connector's own config schema
  { what: 'a host of 254 characters', args: ['sync', `postgresql://app@${LONG_HOST}:5432/shop`, PG, ...T], stderr: /<source>: Invalid connection config: host: must be at most 253/ },
  { what: 'a URL scheme no connector has', args: ['sync', PG, 'http://app@127.0.0.1/shop', ...T], stderr: /<destination>: Invalid connection config: url: no installed connector for scheme 'http:\/\/'/ },
  { what: 'port 0', args: ['sync', 'postgresql://app@127.0.0.1:0/shop', PG, ...T], stderr: /<source>: Invalid connection config: port: must be at least 1/ },
  { what: 'port 70000', args: ['sync', 'postgresql://app@127.0.0.1:70000/shop', PG, ...T], stderr: /<source>: Invalid connection config: url: not a valid URL/ },
  { what: 'an unknown URL parameter', args: ['sync', `${PG}?sslmod=require`, PG, ...T], stderr: /<source>: Invalid connection config: url\?sslmod: unknown parameter; known: sslmode/ },
  { what: 'a bad sslmode', args: ['sync', `${PG}?sslmode=always`, PG, ...T], stderr: /<source>: Invalid connection config: hooks_params\.SSL\.ssl_mode: must be one of disable, allow/ },
  { what: 'a URL without a database', args: ['sync', 'postgresql://app@127.0.0.1:5432/', PG, ...T], stderr: /<source>: Invalid connection config: database: must not be empty/ },
  { what: 'neither URL, file nor catalog name', args: ['sync', 'db', PG, ...T], stderr: /<source>: 'db' is neither a connection URL .* nor a catalog connection name/ },
  { what: 'a password file that does not exist', args: sync(...T, '--source-password-file', join(dir, 'nope.txt')), stderr: /--source-password-file .*nope\.txt: cannot read it \(ENOENT\)/ },
  { what: 'a password file for a URL without a user', args: ['sync', PG, 'postgresql://127.0.0.1/shop', ...T, '--destination-password-file', files.password], stderr: /the destination URL names no user: write it as engine:\/\/USER@host\/database/ },
  // sync: config files
  { what: 'a config file holding null', args: ['sync', files.nul, PG, ...T], stderr: new RegExp(`<source>: ${files.nul}: holds null, not a connector config object`) },
  { what: 'a config file holding an array', args: ['sync', PG, files.array, ...T], stderr: new RegExp(`<destination>: ${files.array}: holds an array`) },
  { what: 'a config file with a syntax error', args: ['sync', files.broken, PG, ...T], stderr: new RegExp(`${files.broken}: not valid JSON at line 3, column 11 \\(position 55\\): expected a value`) },
  { what: 'a truncated config file', args: ['sync', files.truncated, PG, ...T], stderr: new RegExp(`${files.truncated}: not valid JSON at line 1, column 43 \\(position 42\\): expected a property name`) },
  { what: 'a trailing comma', args: ['sync', files.trailingComma, PG, ...T], stderr: /comma\.json: not valid JSON at line 1, column 42 \(position 41\): expected a property name in double quotes/ },
  { what: 'a missing config file', args: ['sync', files.missing, PG, ...T], stderr: /<source>: .*missing\.json: no such file/ },
  { what: 'a config without connector_type', args: ['sync', files.noType, PG, ...T], stderr: /no-type\.json: connector_type is missing/ },
  { what: 'a config with port 0', args: ['sync', PG, files.port0, ...T], stderr: /<destination>: Invalid connection config: port: must be at least 1/ },
  { what: 'a config with port as text', args: ['sync', PG, files.portText, ...T], stderr: /<destination>: Invalid connection config: port: expected number/ },
  { what: 'a config with an empty host', args: ['sync', files.emptyHost, PG, ...T], stderr: /<source>: Invalid connection config: host: must not be empty/ },
  { what: 'a config with a host of 254 characters', args: ['sync', files.longHost, PG, ...T], stderr: /<source>: Invalid connection config: host: must be at most 253/ },
  { what: 'a config with an unknown field', args: ['sync', files.typo, PG, ...T], stderr: /<source>: Invalid connection config: \(config\): unknown field\(s\) hots: remove them/ },
  { what: 'a config with a bad ssl_mode', args: ['sync', files.sslMode, PG, ...T], stderr: /hooks_params\.SSL\.ssl_mode: must be one of disable/ },
  // schedule create
  { what: 'a 6-field cron (every second)', args: create('--cron', '* * * * * *'), stderr: /--cron: cron "\* \* \* \* \* \*": expected 5 fields .*got 6, read as seconds first: .*at most once a minute/ },
  { what: 'a 7-field cron', args: create('--cron', '0 2 * * * * *'), stderr: /--cron: .*expected 5 fields .*got 7, read as seconds first and years last/ },
  { what: 'an @every cron', args: create('--cron', '@every 30s'), stderr: /--cron: cron "@every 30s": not a macro Sluice takes .*at most once a minute/ },
  { what: 'a 4-field cron', args: create('--cron', '0 2 * *'), stderr: /--cron: cron "0 2 \* \*": expected 5 fields .*got 4/ },
  { what: 'minute 61', args: create('--cron', '61 * * * *'), stderr: /--cron: .*minute "61" is out of range: 0–59/ },
  { what: 'hour 24 in a range', args: create('--cron', '0 1-24 * * *'), stderr: /--cron: .*hour "24" \(in "1-24"\) is out of range: 0–23/ },
  { what: 'a step of 0', args: create('--cron', '*/0 * * * *'), stderr: /--cron: .*step "\/0" must be 1 to 59/ },
  { what: 'month 13', args: create('--cron', '0 2 1 13 *'), stderr: /--cron: .*month "13" is out of range: 1–12 or JAN–DEC/ },
  { what: 'an unknown time zone', args: create('--cron', '0 2 * * *', '--timezone', 'Mars/Olympus_Mons'), stderr: /--timezone: timezone "Mars\/Olympus_Mons": not a time zone; give an IANA name/ },
  { what: 'a time zone in the wrong case', args: create('--cron', '0 2 * * *', '--timezone', 'europe/paris'), stderr: /--timezone: .*case-sensitive; did you mean Europe\/Paris\?/ },
  { what: 'a missing --cron', args: create(), stderr: /required option '--cron <expression>' not specified/ },
  { what: 'a schedule name with a space', args: ['schedule', 'create', 'nightly orders', PG, PG, ...T, '--cron', '0 2 * * *'], stderr: /<name>: schedule id "nightly orders": letters, digits and \. _ - @ : only/ },
  { what: 'a schedule name of 101 characters', args: ['schedule', 'create', 'n'.repeat(101), PG, PG, ...T, '--cron', '0 2 * * *'], stderr: /<name>: schedule id: at most 100 characters; got 101/ },
  { what: 'a schedule with --batch-size 0', args: create('--cron', '0 2 * * *', '--batch-size', '0'), stderr: /--batch-size must be a whole number/ },
  { what: 'a schedule with a host of 254 characters', args: ['schedule', 'create', 'nightly', `postgresql://app@${LONG_HOST}/shop`, PG, ...T, '--cron', '0 2 * * *'], stderr: /<source>: Invalid connection config: host: must be at most 253/ },
  { what: 'schedule trigger of an empty name', args: ['schedule', 'trigger', ''], stderr: /<name>: schedule id: must not be empty/ },
  // refresh
  { what: 'refresh on an every-second schedule', args: ['refresh', 'schema', 'orders-db', '--schedule', 'orders-nightly', '--cron', '* * * * * *'], stderr: /--cron: .*at most once a minute/ },
  { what: 'refresh schedule with an unknown time zone', args: ['refresh', 'databases', 'orders-db', '--schedule', 'dbs', '--cron', '0 3 * * *', '--timezone', 'Nowhere/City'], stderr: /--timezone: timezone "Nowhere\/City": not a time zone/ },
  { what: 'refresh --cron without --schedule', args: ['refresh', 'schema', 'orders-db', '--cron', '0 3 * * *'], stderr: /--schedule <name> and --cron <expression> go together/ },
  { what: 'refresh --timezone without a schedule', args: ['refresh', 'schema', 'orders-db', '--timezone', 'UTC'], stderr: /--timezone applies to a schedule/ },
  { what: 'refresh schedule name with a slash', args: ['refresh', 'schema', 'orders-db', '--schedule', 'a/b', '--cron', '0 3 * * *'], stderr: /--schedule: schedule id "a\/b": letters, digits/ },
  { what: 'refresh schema with an empty --schema', args: ['refresh', 'schema', 'orders-db', '--schema', ''], stderr: /--schema: schemas\[0\]: must not be empty/ },
  { what: 'refresh schemas of a 101-character id', args: ['refresh', 'schemas', 'd'.repeat(101)], stderr: /<database-connection>: must be at most 100 characters; got 101/ },
  { what: 'refresh without its connection', args: ['refresh', 'databases'], stderr: /missing required argument 'connection'/ },
  // job
  { what: 'job list --limit 0', args: ['job', 'list', '--limit', '0'], stderr: /--limit must be a whole number from 1 to 10,000; got '0'/ },
  { what: 'job list --limit not a number', args: ['job', 'list', '--limit', 'all'], stderr: /--limit must be a whole number.*got 'all'/ },
  { what: 'job list --type unknown', args: ['job', 'list', '--type', 'BACKUP'], stderr: /--type: must be one of TEST_CONNECTION, SYNC, REFRESH_DATABASES/ },
  { what: 'job list --state unknown', args: ['job', 'list', '--state', 'DONE'], stderr: /--state <state>' argument 'DONE' is invalid\. Allowed choices are RUNNING/ },
  { what: 'job show of an empty id', args: ['job', 'show', ''], stderr: /<job-id>: must not be empty/ },
  { what: 'job show of an id over 1,000 characters', args: ['job', 'show', 'j'.repeat(1001)], stderr: /<job-id>: must be at most 1000 characters/ },
  { what: 'job cancel without an id', args: ['job', 'cancel'], stderr: /missing required argument 'job-id'/ },
  // test
  { what: 'test --timeout 0', args: ['test', PG, '--timeout', '0'], stderr: /--timeout must be a number of seconds from 0\.1 to 600; got '0'/ },
  { what: 'test --timeout too large', args: ['test', PG, '--timeout', '601'], stderr: /--timeout must be a number of seconds from 0\.1 to 600/ },
  { what: 'test --timeout not a number', args: ['test', PG, '--timeout', 'soon'], stderr: /--timeout must be a number of seconds/ },
  { what: 'test without a connection', args: ['test'], stderr: /missing <connection-url>/ },
  {
    what: 'test of a host of 254 characters (--json still answers INVALID_CONFIG)',
    args: ['test', `postgresql://app@${LONG_HOST}/shop`, '--json'],
    stderr: /<connection>: Invalid connection config: host: must be at most 253/,
    stdout: /"code": "INVALID_CONFIG"[\s\S]*"host": \[\s*"must be at most 253"/,
  },
  { what: 'test --config with a syntax error', args: ['test', '--config', files.broken], stderr: /--config .*broken\.json: not valid JSON at line 3, column 11/ },
  { what: 'test --config of a missing file', args: ['test', '--config', files.missing], stderr: /--config .*missing\.json: no such file/ },
  { what: 'test --config with port 0', args: ['test', '--config', files.port0], stderr: /--config .*port0\.json: Invalid connection config: port: must be at least 1/ },
  // catalog connections, listings, servers
  { what: 'connection add with a config file that is no JSON', args: ['connection', 'add', 'orders-db', '--config', files.broken], stderr: /--config .*broken\.json: not valid JSON at line 3, column 11/ },
  { what: 'connection add with a config file holding an array', args: ['connection', 'add', 'orders-db', '--config', files.array], stderr: /--config .*array\.json: holds an array, not a connection object/ },
  { what: 'connection add with --metadata without =', args: ['connection', 'add', 'orders-db', PG, '--metadata', 'team'], stderr: /--metadata 'team' must be key=value/ },
  { what: 'connection add without URL or --config', args: ['connection', 'add', 'orders-db'], stderr: /give a connection URL or --config <file\.json>/ },
  { what: 'connection update with nothing to update', args: ['connection', 'update', 'orders-db'], stderr: /nothing to update: give --url, --config, --name, --metadata or --password-env/ },
  { what: 'connection list --limit 501', args: ['connection', 'list', '--limit', '501'], stderr: /--limit must be a whole number from 1 to 500/ },
  { what: 'database-connections --offset -1', args: ['database-connections', '--offset', '-1'], stderr: /--offset must be a whole number from 0/ },
  { what: 'dev --port 70000', args: ['dev', '--port', '70000'], stderr: /--port must be a whole number from 1 to 65,535; got '70000'/ },
  { what: 'codec-server --port not a number', args: ['codec-server', '--port', 'http'], stderr: /--port must be a whole number from 0 to 65,535; got 'http'/ },
  { what: 'codec-server --port too large', args: ['codec-server', '--port', '65536'], stderr: /--port must be a whole number from 0 to 65,535; got '65536'/ },
  { what: 'dev --ui-port 0', args: ['dev', '--ui-port', '0'], stderr: /--ui-port must be a whole number from 1 to 65,535; got '0'/ },
];

let temporal: TestTemporal;
let cliEnv: NodeJS.ProcessEnv;
/** Each row's result, and how many workflows and schedules its group of rows left on the server. */
const results = new Map<Row, CliResult & { workflowsStarted: number; schedulesCreated: number }>();

async function workflowCount(): Promise<number> {
  return (await temporal.client.temporal.workflow.count()).count;
}

async function scheduleCount(): Promise<number> {
  let n = 0;
  for await (const _ of temporal.client.temporal.schedule.list()) n++;
  return n;
}

beforeAll(async () => {
  temporal = await startTestTemporal();
  cliEnv = {
    ...envWithout('TEMPORAL_ADDRESS', 'SLUICE_SOURCE_PASSWORD', 'SLUICE_DESTINATION_PASSWORD', 'SLUICE_CODEC_SERVER_TOKEN'),
    TEMPORAL_ADDRESS: temporal.server.address,
    SLUICE_TASK_QUEUE: temporal.taskQueue,
    SLUICE_CATALOG_DIR: mkdtempSync(join(tmpdir(), 'sluice-bad-inputs-catalog-')),
  };
  // Four processes at a time: well under a second a row on two cores.
  for (let i = 0; i < rows.length; i += 4) {
    const group = rows.slice(i, i + 4);
    const [workflowsBefore, schedulesBefore] = [await workflowCount(), await scheduleCount()];
    const done = await Promise.all(group.map((row) => runSluice(row.args, cliEnv, 30_000)));
    const [workflowsStarted, schedulesCreated] = [(await workflowCount()) - workflowsBefore, (await scheduleCount()) - schedulesBefore];
    group.forEach((row, j) => results.set(row, { ...done[j]!, workflowsStarted, schedulesCreated }));
  }
}, 120_000);

afterAll(async () => {
  await temporal?.stop();
});

test(`the table covers ${rows.length} bad command lines`, () => {
  expect(rows.length).toBeGreaterThanOrEqual(60);
  expect(new Set(rows.map((r) => r.what)).size).toBe(rows.length);
});

describe('the CLI refuses at the door: exit 2, the option named, nothing started', () => {
  test.each(rows.map((row) => [row.what, row] as const))('%s', (_what, row) => {
    const result = results.get(row)!;
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(row.stderr) });
    if (row.stdout) expect(result.stdout).toMatch(row.stdout);
    expect(result.stderr).not.toMatch(/Fil3-Pa55|at .*\.js:\d+/); // no secret from a config file, no stack trace
    expect({ workflowsStarted: result.workflowsStarted, schedulesCreated: result.schedulesCreated }).toEqual({ workflowsStarted: 0, schedulesCreated: 0 });
  });

  test('after the whole table the server holds no workflow and no schedule', async () => {
    expect({ workflows: await workflowCount(), schedules: await scheduleCount() }).toEqual({ workflows: 0, schedules: 0 });
  });
});

// The client is the door for services: the same checks, an InvalidInputError naming the field.
const inline = (url: string): ConnectionSpec => ({ url });
const base: SyncInput = { source: inline(pgUrl()), destination: inline(pgUrl()), tables: [{ schema: 'public', name: 'orders' }] };
const clientRows: { what: string; input: Partial<SyncInput> | Record<string, unknown>; field: string; message: RegExp }[] = [
  { what: 'batchSize 0', input: { batchSize: 0 }, field: 'batchSize', message: /batchSize: must be a whole number from 1 to 1,000,000; got 0/ },
  { what: 'batchSize negative', input: { batchSize: -1 }, field: 'batchSize', message: /got -1/ },
  { what: 'batchSize too large', input: { batchSize: 1_000_001 }, field: 'batchSize', message: /from 1 to 1,000,000/ },
  { what: 'batchSize a fraction', input: { batchSize: 1.5 }, field: 'batchSize', message: /whole number/ },
  { what: 'batchSize NaN', input: { batchSize: NaN }, field: 'batchSize', message: /whole number/ },
  { what: 'batchSize a string', input: { batchSize: '100' }, field: 'batchSize', message: /got string/ },
  { what: 'maxParallelTables 0', input: { maxParallelTables: 0 }, field: 'maxParallelTables', message: /from 1 to 64/ },
  { what: 'maxRangesPerTable 65', input: { maxRangesPerTable: 65 }, field: 'maxRangesPerTable', message: /from 1 to 64/ },
  { what: 'splitRows 0', input: { splitRows: 0 }, field: 'splitRows', message: /whole number/ },
  { what: 'splitBytes Infinity', input: { splitBytes: Infinity }, field: 'splitBytes', message: /whole number/ },
  { what: 'an empty table name', input: { tables: [{ schema: 'public', name: '' }] }, field: 'tables[0].name', message: /tables\[0\]\.name: must not be empty/ },
  { what: 'a table name of 256 characters', input: { tables: [{ schema: 'public', name: 'x'.repeat(256) }] }, field: 'tables[0].name', message: /at most 255 characters/ },
  { what: 'a NUL in a table name', input: { tables: [{ schema: 'public', name: 'or\u0000ders' }] }, field: 'tables[0].name', message: /must not hold a NUL character/ },
  { what: 'a cursorColumn of 256 characters', input: { cursorColumn: 'c'.repeat(256) }, field: 'cursorColumn', message: /at most 255 characters/ },
  { what: 'a table without a schema', input: { tables: [{ name: 'orders' }] }, field: 'tables[0].schema', message: /expected a string, got undefined/ },
  { what: 'a per-table mode that is no mode', input: { tables: [{ schema: 'public', name: 'orders', mode: 'merge' }] }, field: 'tables[0].mode', message: /must be one of append, upsert, replace/ },
  { what: 'no tables and no schema', input: { tables: [] }, field: 'tables', message: /give tables: \[\{ schema, name \}\] or schema/ },
  { what: 'an empty destinationSchema', input: { destinationSchema: '' }, field: 'destinationSchema', message: /must not be empty/ },
  { what: 'mode not a mode', input: { mode: 'merge' }, field: 'mode', message: /must be one of append, upsert, replace/ },
  { what: 'verify not a check', input: { verify: 'all' }, field: 'verify', message: /must be one of count, checksum, none/ },
  { what: 'zeroDates not a choice', input: { zeroDates: 'epoch' }, field: 'zeroDates', message: /must be one of error, null/ },
  { what: 'createTables not a boolean', input: { createTables: 'yes' }, field: 'createTables', message: /expected true or false/ },
  { what: 'a null source', input: { source: null }, field: 'source', message: /expected \{ url \}, \{ config \} or \{ connectionId \}, got null/ },
  { what: 'a source with url and connectionId', input: { source: { url: pgUrl(), connectionId: 'orders-db' } }, field: 'source', message: /give exactly one of url, config or connectionId; got url and connectionId/ },
  { what: 'a source host of 254 characters', input: { source: inline(`postgresql://app@${LONG_HOST}/shop`) }, field: 'source', message: /source: Invalid connection config: host: must be at most 253/ },
  { what: 'a destination with an unknown scheme', input: { destination: inline('ftp://app@127.0.0.1/shop') }, field: 'destination', message: /no installed connector for scheme 'ftp:\/\/'/ },
  { what: 'a destination config with port 0', input: { destination: { config: JSON.parse(config({ port: 0 })) } }, field: 'destination', message: /port: must be at least 1/ },
  { what: 'a config without connector_type', input: { source: { config: { host: 'h' } } }, field: 'source.config', message: /expected a connector config object with connector_type/ },
  { what: 'an empty connectionId', input: { source: { connectionId: '' } }, field: 'source.connectionId', message: /must not be empty/ },
];

describe('the client refuses at the door: InvalidInputError naming the field, nothing started', () => {
  test.each(clientRows.map((row) => [row.what, row] as const))('startSync: %s', async (_what, row) => {
    const before = await workflowCount();
    const refused = await temporal.client.startSync({ ...base, ...row.input } as SyncInput).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect(refused).toMatchObject({ field: row.field, message: expect.stringMatching(row.message) });
    expect((refused as Error).message).not.toContain('Fil3-Pa55');
    expect(await workflowCount()).toBe(before);
  });

  const scheduleRows: { what: string; id: string; cron: string; timezone?: string; field: string; message: RegExp }[] = [
    { what: 'every second (6 fields)', id: 'orders', cron: '* * * * * *', field: 'cron', message: /at most once a minute/ },
    { what: '@every 10s', id: 'orders', cron: '@every 10s', field: 'cron', message: /not a macro Sluice takes/ },
    { what: 'an empty cron', id: 'orders', cron: '', field: 'cron', message: /give 5 fields/ },
    { what: 'day-of-week 8', id: 'orders', cron: '0 2 * * 8', field: 'cron', message: /day-of-week "8" is out of range: 0–7 or SUN–SAT/ },
    { what: 'an unknown time zone', id: 'orders', cron: '0 2 * * *', timezone: 'Atlantis/Capital', field: 'timezone', message: /not a time zone/ },
    { what: 'an empty time zone', id: 'orders', cron: '0 2 * * *', timezone: '', field: 'timezone', message: /give an IANA time zone name/ },
    { what: 'an empty id', id: '', cron: '0 2 * * *', field: 'id', message: /must not be empty/ },
    { what: 'an id of 101 characters', id: 'i'.repeat(101), cron: '0 2 * * *', field: 'id', message: /at most 100 characters/ },
  ];

  test.each(scheduleRows.map((row) => [row.what, row] as const))('createSchedule: %s', async (_what, row) => {
    const refused = await temporal.client.createSchedule(row.id, base, { cron: row.cron, timezone: row.timezone }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ScheduleSpecError);
    expect(refused).toMatchObject({ field: row.field, message: expect.stringMatching(row.message) });
    const refresh = await temporal.client.catalog.createRefreshSchedule(row.id, { kind: 'databases', connection: 'orders-db' }, { cron: row.cron, timezone: row.timezone }).catch((err: unknown) => err);
    expect(refresh).toMatchObject({ name: 'ScheduleSpecError', field: row.field });
    expect(await scheduleCount()).toBe(0);
  });

  test('a connection its connector refuses names each bad field in details, without a value', async () => {
    const refused = await temporal.client.startSync({ ...base, source: { config: JSON.parse(config({ host: '', port: 0, hooks_params: { SSL: { ssl_mode: 'on' } } })) } }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InvalidConnectionError);
    expect(Object.keys((refused as InvalidConnectionError).details).sort()).toEqual(['source.hooks_params.SSL.ssl_mode', 'source.host', 'source.port']);
    expect(JSON.stringify({ ...(refused as object), message: (refused as Error).message })).not.toContain('Fil3-Pa55');
    expect(await workflowCount()).toBe(0);
  });

  test('a schedule with a bad sync input is refused too', async () => {
    const refused = await temporal.client.createSchedule('orders', { ...base, batchSize: 0 }, { cron: '0 2 * * *' }).catch((err: unknown) => err);
    expect(refused).toMatchObject({ name: 'InvalidInputError', field: 'batchSize' });
    expect(await scheduleCount()).toBe(0);
  });

  test('refresh targets, job ids and list filters', async () => {
    await expect(temporal.client.catalog.startRefresh({ kind: 'schema', connection: '' })).rejects.toMatchObject({ field: 'connection', message: expect.stringMatching(/must not be empty/) });
    await expect(temporal.client.catalog.startRefresh({ kind: 'schema', connection: 'orders-db', schemas: [''] })).rejects.toMatchObject({ field: 'schemas[0]' });
    await expect(temporal.client.getJob('')).rejects.toMatchObject({ field: 'jobId' });
    await expect(temporal.client.cancelJob('x'.repeat(1001))).rejects.toMatchObject({ field: 'jobId' });
    await expect(temporal.client.listJobs({ limit: 0 })).rejects.toMatchObject({ field: 'limit' });
    await expect(temporal.client.listJobs({ type: 'BACKUP' as never })).rejects.toMatchObject({ field: 'type' });
    await expect(temporal.client.startSync(base, { jobId: '' })).rejects.toMatchObject({ field: 'jobId' });
    expect(await workflowCount()).toBe(0);
  });

  test('testConnection answers INVALID_CONFIG naming each field, without a job', async () => {
    const message = await temporal.client.testConnection({ config: JSON.parse(config({ host: '', port: 70000 })) });
    expect(message).toMatchObject({ code: 'INVALID_CONFIG', kind: 'error' });
    expect(Object.keys(message.details).sort()).toEqual(['host', 'port']);
    expect(JSON.stringify(message)).not.toContain('Fil3-Pa55');
    await expect(temporal.client.startTestConnection(inline(`postgresql://app@${LONG_HOST}/shop`))).rejects.toMatchObject({ field: 'connection', message: expect.stringMatching(/host: must be at most 253/) });
    expect(await workflowCount()).toBe(0);
  });
});

// Last: the counters above can see a workflow. Input that passes the door (a table that does not
// exist) starts a job, which the planner refuses — the same exit 2, but now the server has it.
test('control: a well-formed request does start a workflow, and the count sees it', async () => {
  expect(await workflowCount()).toBe(0);
  const result = await runSluice(['sync', pgUrl(), pgUrl(), '--table', 'public.no_such_table_bad_inputs'], cliEnv, 60_000);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/\(job sync-postgresql-to-postgresql-/);
  expect(await workflowCount()).toBe(1);
});
