#!/usr/bin/env node
import './hide-secrets'; // first: no password stays in the process title while the rest loads
import { Command, CommanderError, Option } from 'commander';
import {
  connectionAddCommand,
  connectionListCommand,
  connectionRemoveCommand,
  connectionShowCommand,
  connectionUpdateCommand,
  databaseConnectionsCommand,
  refreshCommand,
  schemaConnectionsCommand,
  schemaShowCommand,
  schemaStatusCommand,
} from './commands/catalog';
import { apiTokenCreateCommand, apiTokenListCommand, apiTokenRevokeCommand, serveCommand } from './commands/api';
import { codecServerCommand } from './commands/codec-server';
import { connectorsCommand } from './commands/connectors';
import { devCommand } from './commands/dev';
import { jobCancelCommand, jobListCommand, jobShowCommand } from './commands/job';
import { scheduleCreateCommand, scheduleDeleteCommand, scheduleListCommand, scheduleTriggerCommand } from './commands/schedule';
import { syncCommand } from './commands/sync';
import { testCommand } from './commands/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './connection-arg';
import { InvalidInputError, TemporalConfigError } from '@sluice/client';

const program = new Command()
  .name('sluice')
  .description('Durable database refresh and sync jobs on Temporal')
  .version((JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version, '-V, --version')
  .showHelpAfterError()
  // Usage errors (unknown option, missing argument, bad choice) exit 2, as the README says; help exits 0.
  .exitOverride((err) => {
    throw err;
  });

program
  .command('test')
  .description('test a connection: connect, authenticate, read the server version')
  .argument('[connection]', 'a URL (e.g. postgresql://user:password@host:5432/database?sslmode=require) or a catalog connection (name or id)')
  .option('--config <file>', 'a Syntho-shaped connector config (JSON) instead of a URL')
  .option('--timeout <seconds>', 'connect timeout (default 10)')
  .option('--json', 'print the application message as JSON')
  .action(async (url, opts) => exit(await testCommand(url, opts)));

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withSyncOptions(command: Command): Command {
  return command
    .option('--table <schema.table>', 'a source table (repeatable)', collect)
    .option('--schema <schema>', 'every table of this source schema')
    .option('--destination-schema <schema>', 'where the tables go (default: the destination connection’s schema)')
    .addOption(new Option('--mode <mode>', 'how rows are written').choices(['append', 'upsert', 'replace']).default('append'))
    .option('--create-tables', 'create missing destination tables from the source schema')
    .option('--flatten-partitions', 'same engine: create partitioned tables as plain tables (default: partitioned, with their partitions)')
    .option('--cursor-column <column>', 'incremental: copy only rows whose column grew since the last run')
    .option('--full-refresh', 'ignore the committed cursor: copy everything')
    .option('--high-performance', 'require the bulk path (default: used wherever the destination has it)')
    .option('--no-high-performance', 'plain INSERTs instead of the bulk path')
    .option('--disable-triggers', 'destination triggers off during the load (TRIGGER_MANAGEMENT)')
    .option('--disable-foreign-keys', 'drop destination foreign keys during the load, restore after (FOREIGN_KEY_MANAGEMENT)')
    .option('--rebuild-indexes', 'drop secondary indexes during the load, rebuild after (INDEX_MANAGEMENT)')
    .option('--identity-insert', 'write the source values into existing identity columns (IDENTITY_WRITING; always on for tables the job creates)')
    .option('--verify <check>', 'after each table the job creates or replaces: count (default), checksum (same engine: engine-side checksums of both sides) or none')
    .option('--batch-size <rows>', 'rows per destination transaction (default 10000)')
    .option('--parallel <tables>', 'tables copied at once (default 4)')
    .option('--source-password-file <file>', 'the source password (first line of the file) for a URL given without one; or set SLUICE_SOURCE_PASSWORD')
    .option('--destination-password-file <file>', 'the destination password for a URL given without one; or set SLUICE_DESTINATION_PASSWORD')
    .option('--json', 'print the final Job object as JSON')
    .option('--detach', 'print the job id and return at once');
}

withSyncOptions(
  program
    .command('sync')
    .description('copy tables from a source to a destination as a durable SYNC job')
    .argument('<source>', 'connection URL or Syntho config .json file')
    .argument('<destination>', 'connection URL or Syntho config .json file'),
)
  .action(async (source, destination, opts) => exit(await syncCommand(source, destination, opts)));

const schedule = program.command('schedule').description('cron-scheduled syncs (Temporal Schedules; a run never overlaps the previous one)');
withSyncOptions(
  schedule
    .command('create')
    .argument('<name>', 'schedule id')
    .argument('<source>', 'connection URL or Syntho config .json file')
    .argument('<destination>', 'connection URL or Syntho config .json file')
    .requiredOption('--cron <expression>', 'e.g. "0 2 * * *" for every night at 02:00')
    .option('--timezone <zone>', 'IANA time zone of the cron (default UTC)'),
).action(async (name, source, destination, opts) => exit(await scheduleCreateCommand(name, source, destination, opts)));
schedule
  .command('list')
  .option('--json', 'JSON output')
  .action(async (opts) => exit(await scheduleListCommand(opts)));
schedule
  .command('delete')
  .argument('<name>')
  .action(async (name) => exit(await scheduleDeleteCommand(name)));
schedule
  .command('trigger')
  .description('run a schedule now')
  .argument('<name>')
  .action(async (name) => exit(await scheduleTriggerCommand(name)));

const job = program.command('job').description('show, cancel and list jobs');
job
  .command('show')
  .argument('<job-id>')
  .option('--json', 'JSON output')
  .option('--wait', 'wait until the job ends, with progress')
  .action(async (id, opts) => exit(await jobShowCommand(id, opts)));
job
  .command('cancel')
  .argument('<job-id>')
  .option('--json', 'JSON output')
  .option('--wait', 'wait until the job is CANCELED')
  .action(async (id, opts) => exit(await jobCancelCommand(id, opts)));
job
  .command('list')
  .option('--type <type>', 'TEST_CONNECTION, SYNC, …')
  .addOption(new Option('--state <state>', 'only jobs in this state').choices(['RUNNING', 'COMPLETED', 'CANCELED', 'ERROR']))
  .option('--connection <url>', 'only jobs on this connection (its password is ignored)')
  .option('--running', 'only running jobs')
  .option('--limit <n>', 'at most n jobs (default 100)')
  .option('--json', 'JSON output')
  .action(async (opts) => exit(await jobListCommand(opts)));

const connection = program.command('connection').description('catalog connections (secrets encrypted at rest; SLUICE_CATALOG_URL or the embedded catalog)');
const connectionFields = (c: Command) =>
  c
    .option('--config <file>', 'JSON: a Syntho config (with connector_type) or Lerian fields (type, host, port, databaseName, userName, password, schema, ssl)')
    .option('--metadata <key=value>', 'flat metadata (repeatable; keys ≤ 100, values ≤ 2000 characters)', collect)
    .option('--password-env <variable>', 'read the password from this environment variable')
    .option('--json', 'JSON output');
connectionFields(connection.command('add').argument('<name>', 'configName (3–100 characters, unique)').argument('[url]', 'connection URL')).action(
  async (name, url, opts) => exit(await connectionAddCommand(name, url, opts)),
);
connection
  .command('list')
  .option('--type <type>', 'POSTGRESQL, MYSQL, MARIADB, MONGODB, ORACLE, SQL_SERVER, DB2')
  .option('--offset <n>')
  .option('--limit <n>', '1–500 (default 100)')
  .option('--json', 'JSON output')
  .action(async (opts) => exit(await connectionListCommand(opts)));
connection
  .command('show')
  .argument('<connection>', 'id or configName')
  .option('--json', 'JSON output')
  .action(async (id, opts) => exit(await connectionShowCommand(id, opts)));
connectionFields(connection.command('update').description('partial update; refused while a job uses the connection').argument('<connection>', 'id or configName'))
  .option('--url <url>', 'new connection URL (without a password, the stored one stays)')
  .option('--name <configName>', 'rename')
  .action(async (id, opts) => exit(await connectionUpdateCommand(id, opts)));
connection
  .command('remove')
  .description('delete; refused while a job uses the connection')
  .argument('<connection>', 'id or configName')
  .option('--json', 'JSON output')
  .action(async (id, opts) => exit(await connectionRemoveCommand(id, opts)));

const paging = (c: Command) => c.option('--offset <n>').option('--limit <n>', '1–500 (default 100)').option('--json', 'JSON output');
paging(program.command('database-connections').description('databases found behind catalog connections (REFRESH_DATABASES)'))
  .option('--connection <connection>', 'id or configName')
  .option('--schema-connection <id>', 'the database connection of this schema connection')
  .action(async (opts) => exit(await databaseConnectionsCommand(opts)));
paging(program.command('schema-connections').description('schemas found behind database connections (REFRESH_SCHEMAS)'))
  .option('--database-connection <id>')
  .option('--schema-id <id>')
  .action(async (opts) => exit(await schemaConnectionsCommand(opts)));

const refresh = program.command('refresh').description('refresh jobs: discover databases and schemas, cache table schemas');
const refreshOptions = (c: Command) =>
  c
    .option('--json', 'print the final Job object as JSON')
    .option('--detach', 'print the job id and return at once')
    .option('--schedule <name>', 'instead of running now, create a Temporal Schedule with this id (with --cron)')
    .option('--cron <expression>', 'e.g. "0 3 * * *" (with --schedule)')
    .option('--timezone <zone>', 'IANA time zone of the cron (default UTC)');
refreshOptions(refresh.command('databases').argument('<connection>', 'id or configName')).action(async (c, opts) =>
  exit(await refreshCommand({ kind: 'databases', connection: c }, opts)),
);
refreshOptions(refresh.command('schemas').argument('<database-connection>', 'database connection id')).action(async (d, opts) =>
  exit(await refreshCommand({ kind: 'schemas', databaseConnection: d }, opts)),
);
refreshOptions(refresh.command('schema').argument('<connection>', 'id or configName'))
  .option('--schema <name>', 'only this schema (repeatable; default: the connection’s schema, else all)', collect)
  .action(async (c, opts) => exit(await refreshCommand({ kind: 'schema', connection: c, schemas: opts.schema }, opts)));

const schemaCmd = program.command('schema').description('the schema cache of a connection');
schemaCmd
  .command('status')
  .argument('<connection>', 'id or configName')
  .option('--json', 'JSON output')
  .action(async (c, opts) => exit(await schemaStatusCommand(c, opts)));
schemaCmd
  .command('show')
  .argument('<connection>', 'id or configName')
  .option('--schema <name>', 'only this schema')
  .option('--table <name>', 'only this table')
  .option('--json', 'JSON output')
  .action(async (c, opts) => exit(await schemaShowCommand(c, opts)));

program
  .command('connectors')
  .description('list installed connectors with their functionalities and config properties')
  .option('--json', 'print as JSON (functionalities and supported_types in the Syntho shape)')
  .action(async (opts) => exit(await connectorsCommand(opts)));

program
  .command('codec-server')
  .description('serve /decode so the Temporal UI shows decrypted job payloads (needs the codec keys and a token)')
  .option('--port <port>', 'port (default 8888)')
  .option('--host <host>', 'address to bind (default 127.0.0.1)')
  .option('--cors-origin <origin>', 'Temporal UI origin allowed to call it (repeatable)', collect)
  .option('--token-file <file>', 'the token requests must present (default: SLUICE_CODEC_SERVER_TOKEN); required unless --insecure-no-auth')
  .option('--insecure-no-auth', 'serve without a token (refused unless bound to a loopback address)')
  .option('--allowed-host <host>', 'a Host header to accept besides the bind address and localhost (repeatable)', collect)
  .option('--enable-encode', 'also serve /encode (off by default)')
  .action(async (opts) => exit(await codecServerCommand(opts)));

program
  .command('serve')
  .description('serve the REST API (Collibra, Lerian and Sluice endpoints; bearer tokens from `sluice api-token create`)')
  .option('--port <port>', 'port (default 8080)')
  .option('--host <host>', 'address to bind (default 127.0.0.1)')
  .option('--quiet', 'no access logs')
  .action(async (opts) => exit(await serveCommand(opts)));

const apiToken = program.command('api-token').description('bearer tokens of the REST API (stored hashed in the catalog)');
apiToken
  .command('create')
  .argument('<name>', 'a name for the token (3–100 characters, unique)')
  .addOption(new Option('--scope <scope>', 'read (GET), write (connections, jobs) or admin (tokens)').choices(['read', 'write', 'admin']).default('read'))
  .option('--json', 'print {"token": …} as JSON')
  .action(async (name, opts) => exit(await apiTokenCreateCommand(name, opts)));
apiToken
  .command('list')
  .description('tokens without their secret')
  .option('--json', 'JSON output')
  .action(async (opts) => exit(await apiTokenListCommand(opts)));
apiToken
  .command('revoke')
  .argument('<token>', 'id or name')
  .option('--json', 'JSON output')
  .action(async (token, opts) => exit(await apiTokenRevokeCommand(token, opts)));

program
  .command('dev')
  .description('run a Temporal dev server (with UI) and a Sluice worker until Ctrl-C')
  .addOption(new Option('--port <port>', 'gRPC port').default('7233'))
  .option('--ui-port <port>', 'UI port (default: port + 1000)')
  .option('--db-filename <file>', 'keep workflows in this SQLite file across restarts')
  .action(async (opts) => exit(await devCommand(opts)));

function exit(code: number): never {
  process.exit(code);
}

program.parseAsync().catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2); // commander printed it already
  process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
  // Input refused before anything started (by the CLI, the client, or a TEMPORAL_* variable that
  // cannot be used): a usage error; a refused connection is not.
  process.exit(err instanceof UsageError || err instanceof InvalidInputError || err instanceof TemporalConfigError ? 2 : 1);
});
