import { existsSync, readFileSync } from 'node:fs';
import type { ConnectionSpec } from '@sluice/client';

/** A connection given on the command line: a URL, a JSON file with a Syntho-shaped config, or a catalog connection (id or configName). */
export function connectionArg(arg: string): ConnectionSpec {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) return { url: arg };
  if (arg.endsWith('.json') && existsSync(arg)) return { config: configFile(arg) };
  if (/^[\w.-]{3,100}$/.test(arg) && !arg.endsWith('.json')) return { connectionId: arg };
  // A malformed URL may still hold a password (postgresql:/user:pa/ss@host, user:pa@ss@host): never echoed.
  const shown = /[@:]/.test(arg) ? `${/^[a-z][a-z0-9+.-]*:/i.exec(arg)?.[0] ?? ''}… (not shown: it may hold a password)` : `'${arg}'`;
  throw new UsageError(`${shown} is neither a connection URL (engine://user:password@host/db) nor a .json config file, nor a catalog connection name`);
}

/** A Syntho-shaped config file: JSON holding one object; errors name the file. */
function configFile(path: string): { connector_type: string } & Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${path}: not valid JSON (${(err as Error).message}); give a Syntho-shaped connector config object`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`${path}: holds ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}, not a connector config object ({"connector_type": …, "host": …})`);
  }
  if (typeof (parsed as { connector_type?: unknown }).connector_type !== 'string') {
    throw new UsageError(`${path}: connector_type is missing (e.g. "PostgreSQLConnector"; \`sluice connectors\` lists them)`);
  }
  return parsed as { connector_type: string } & Record<string, unknown>;
}

export class UsageError extends Error {}
