import { existsSync, readFileSync } from 'node:fs';
import type { ConnectionSpec } from '@sluice/client';

/** A connection given on the command line: a URL, a JSON file with a Syntho-shaped config, or a catalog connection (id or configName). */
export function connectionArg(arg: string): ConnectionSpec {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) return { url: arg };
  if (arg.endsWith('.json') && existsSync(arg)) return { config: JSON.parse(readFileSync(arg, 'utf8')) };
  if (/^[\w.-]{3,100}$/.test(arg) && !arg.endsWith('.json')) return { connectionId: arg };
  throw new UsageError(`'${arg.replace(/:[^@/]*@/, ':*****@')}' is neither a connection URL (engine://user:password@host/db) nor a .json config file, nor a catalog connection name`);
}

export class UsageError extends Error {}
