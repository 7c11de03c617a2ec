import { existsSync, readFileSync } from 'node:fs';
import type { ConnectionSpec } from '@sluice/client';

/** A connection given on the command line: a URL, or a JSON file with a Syntho-shaped config. */
export function connectionArg(arg: string): ConnectionSpec {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) return { url: arg };
  if (arg.endsWith('.json') && existsSync(arg)) return { config: JSON.parse(readFileSync(arg, 'utf8')) };
  throw new UsageError(`'${arg.replace(/:[^@/]*@/, ':*****@')}' is neither a connection URL (engine://user:password@host/db) nor a .json config file`);
}

export class UsageError extends Error {}
