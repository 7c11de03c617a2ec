import { readFileSync } from 'node:fs';
import { SluiceClient, type ConnectionSpec } from '@sluice/client';
import { resolveTemporalTarget } from '../embedded';
import { connectionArg, UsageError } from '../connection-arg';
import { printJson, printMessage } from '../output';

export interface TestCommandOptions {
  json?: boolean;
  config?: string;
  timeout?: string;
}

/** `sluice test <connection-url>`: runs a TEST_CONNECTION job; exit 0 on success, 1 on failure. */
export async function testCommand(url: string | undefined, options: TestCommandOptions): Promise<number> {
  const spec = connectionSpec(url, options);
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
    return { config: JSON.parse(readFileSync(options.config, 'utf8')) };
  }
  if (!url) throw new UsageError('missing <connection-url> (e.g. postgresql://user:password@host:5432/db), a catalog connection name, or --config <file>');
  const given = connectionArg(url);
  if (!('url' in given)) {
    if (options.timeout) throw new UsageError('--timeout applies to a URL; a catalog connection keeps its own connect timeout');
    return given;
  }
  if (!options.timeout) return { url };
  const seconds = Number(options.timeout);
  if (!(seconds > 0)) throw new UsageError('--timeout must be a number of seconds > 0');
  return { url: url + (url.includes('?') ? '&' : '?') + `connect_timeout=${seconds}` };
}
