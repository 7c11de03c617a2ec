import { checkConnectionSpec, InvalidInputError, SluiceClient, type ConnectionSpec } from '@sluice/client';
import { applicationMessage, TestCode } from '@sluice/connector-sdk';
import { loadConnectors } from '@sluice/worker';
import { resolveTemporalTarget } from '../embedded';
import { configFile, connectionArg, UsageError } from '../connection-arg';
import { printJson, printMessage } from '../output';

export interface TestCommandOptions {
  json?: boolean;
  config?: string;
  timeout?: string;
}

/** `sluice test <connection-url>`: runs a TEST_CONNECTION job; exit 0 on success, 1 on failure. */
export async function testCommand(url: string | undefined, options: TestCommandOptions): Promise<number> {
  const spec = connectionSpec(url, options);
  try {
    checkConnectionSpec('connection', spec, loadConnectors().registry);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    // Refused before any job: --json still answers the INVALID_CONFIG message a job would have.
    const fields = Object.fromEntries(Object.entries(err.details).map(([k, v]) => [k.replace(/^connection\.?/, '') || 'connection', v]));
    if (options.json) printJson(applicationMessage(TestCode.INVALID_CONFIG, err.problem, fields));
    throw new UsageError(`${options.config ? `--config ${options.config}` : '<connection>'}: ${err.problem}`);
  }
  const target = await resolveTemporalTarget();
  try {
    const client = await SluiceClient.connect({ temporal: target.settings });
    try {
      if (!target.embedded && !(await client.hasWorkers())) {
        process.stderr.write(`sluice: no worker polls ${target.address} yet; the job waits until one does (start one with \`sluice dev\` or \`sluice-worker\`)\n`);
      }
      const message = await client.testConnection(spec);
      if (options.json) printJson(message);
      else printMessage(message);
      return message.kind === 'success' ? 0 : 1;
    } finally {
      await client.close();
    }
  } finally {
    await target.close();
  }
}

function connectionSpec(url: string | undefined, options: TestCommandOptions): ConnectionSpec {
  if (options.config) {
    if (url) throw new UsageError('give either a connection URL or --config <file>, not both');
    return { config: configFile(options.config, '--config') };
  }
  if (!url) throw new UsageError('missing <connection-url> (e.g. postgresql://user:password@host:5432/db), a catalog connection name, or --config <file>');
  const given = connectionArg(url, '<connection>');
  if (!('url' in given)) {
    if (options.timeout) throw new UsageError('--timeout applies to a URL; a catalog connection keeps its own connect timeout');
    return given;
  }
  if (!options.timeout) return { url };
  // The connectors take 0.1 s to 600 s (connect_timeout_ms 100–600,000).
  const seconds = Number(options.timeout);
  if (!/^\s*\d*\.?\d+\s*$/.test(options.timeout) || !(seconds >= 0.1 && seconds <= 600)) throw new UsageError(`--timeout must be a number of seconds from 0.1 to 600; got '${options.timeout.slice(0, 40)}'`);
  return { url: url + (url.includes('?') ? '&' : '?') + `connect_timeout=${seconds}` };
}
