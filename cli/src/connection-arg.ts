import { existsSync } from 'node:fs';
import { readJsonObject } from './json-file';
import { UsageError } from './usage-error';
import type { ConnectionSpec } from '@sluice/client';

/**
 * A connection given on the command line: a URL, a JSON file with a Syntho-shaped config, or a
 * catalog connection (id or configName). `role` (e.g. `<source>`) names the argument in errors.
 */
export function connectionArg(arg: string, role?: string): ConnectionSpec {
  const named = (message: string) => new UsageError(role ? `${role}: ${message}` : message);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) return { url: arg };
  if (arg.endsWith('.json')) {
    try {
      return { config: configFile(arg) };
    } catch (err) {
      throw err instanceof UsageError ? named(err.message) : err;
    }
  }
  if (/^[\w.-]{3,100}$/.test(arg)) return { connectionId: arg };
  // A malformed URL may still hold a password (postgresql:/user:pa/ss@host, user:pa@ss@host): never echoed.
  const shown = /[@:]/.test(arg) ? `${/^[a-z][a-z0-9+.-]*:/i.exec(arg)?.[0] ?? ''}… (not shown: it may hold a password)` : `'${arg.length > 100 ? arg.slice(0, 100) + '…' : arg}'`;
  throw named(`${shown} is neither a connection URL (engine://user:password@host/db) nor a .json config file, nor a catalog connection name (3–100 letters, digits, . _ -)`);
}

/** A Syntho-shaped config file: JSON holding one object; errors name the file (and the option). */
export function configFile(path: string, option?: string): { connector_type: string } & Record<string, unknown> {
  const parsed = readJsonObject(path, option, 'a connector config object ({"connector_type": …, "host": …})');
  if (typeof parsed.connector_type !== 'string') {
    throw new UsageError(`${option ? `${option} ${path}` : path}: connector_type is missing (e.g. "PostgreSQLConnector"; \`sluice connectors\` lists them)`);
  }
  return parsed as { connector_type: string } & Record<string, unknown>;
}

export { UsageError };
