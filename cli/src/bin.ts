#!/usr/bin/env node
import { Command, Option } from 'commander';
import { connectorsCommand } from './commands/connectors';
import { devCommand } from './commands/dev';
import { testCommand, UsageError } from './commands/test';

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

program
  .command('connectors')
  .description('list installed connectors with their functionalities and config properties')
  .option('--json', 'print as JSON (functionalities and supported_types in the Syntho shape)')
  .action(async (opts) => exit(await connectorsCommand(opts)));

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
