#!/usr/bin/env node
import { Command, Option } from 'commander';
import { codecServerCommand } from './commands/codec-server';
import { connectorsCommand } from './commands/connectors';
import { devCommand } from './commands/dev';
import { jobCancelCommand, jobListCommand, jobShowCommand } from './commands/job';
import { scheduleCreateCommand, scheduleDeleteCommand, scheduleListCommand, scheduleTriggerCommand } from './commands/schedule';
import { syncCommand } from './commands/sync';
import { testCommand } from './commands/test';
import { UsageError } from './connection-arg';

const program = new Command()
  .name('sluice')
  .description('Durable database refresh and sync jobs on Temporal')
  .showHelpAfterError();

program
  .command('test')
  .description('test a connection: connect, authenticate, read the server version')
  .argument('[connection-url]', 'e.g. postgresql://user:password@host:5432/database?sslmode=require')
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
    .option('--cursor-column <column>', 'incremental: copy only rows whose column grew since the last run')
    .option('--full-refresh', 'ignore the committed cursor: copy everything')
    .option('--high-performance', 'require the bulk path (default: used wherever the destination has it)')
    .option('--no-high-performance', 'plain INSERTs instead of the bulk path')
    .option('--disable-triggers', 'destination triggers off during the load (TRIGGER_MANAGEMENT)')
    .option('--disable-foreign-keys', 'drop destination foreign keys during the load, restore after (FOREIGN_KEY_MANAGEMENT)')
    .option('--rebuild-indexes', 'drop secondary indexes during the load, rebuild after (INDEX_MANAGEMENT)')
    .option('--identity-insert', 'write identity columns as given (IDENTITY_WRITING)')
    .option('--batch-size <rows>', 'rows per destination transaction (default 10000)')
    .option('--parallel <tables>', 'tables copied at once (default 4)')
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

program
  .command('connectors')
  .description('list installed connectors with their functionalities and config properties')
  .option('--json', 'print as JSON (functionalities and supported_types in the Syntho shape)')
  .action(async (opts) => exit(await connectorsCommand(opts)));

program
  .command('codec-server')
  .description('serve /encode and /decode so the Temporal UI shows decrypted job payloads (needs the codec keys)')
  .option('--port <port>', 'port (default 8888)')
  .option('--host <host>', 'address to bind (default 127.0.0.1)')
  .option('--cors-origin <origin>', 'Temporal UI origin allowed to call it (repeatable)', collect)
  .action(async (opts) => exit(await codecServerCommand(opts)));

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
  process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
