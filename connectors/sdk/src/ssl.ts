import { readFileSync } from 'node:fs';
import { ConfigError } from './errors';
import type { RelationalConfig } from './config';

/** The SSL hook's mode (libpq names); `disable` when no hook is given. */
export function sslMode(config: RelationalConfig): string {
  return config.hooks_params?.SSL?.ssl_mode ?? 'disable';
}

/** The hook's CA, client certificate and key as PEM text, from the inline fields or the files they name. */
export function sslPems(config: RelationalConfig): { ca?: string; cert?: string; key?: string } {
  const ssl = config.hooks_params?.SSL;
  const pem = (text: string | undefined, file: string | undefined, field: string) => {
    if (text) return text;
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError([{ field: `hooks_params.SSL.${field}`, problem: `cannot read file ${file}` }]);
    }
  };
  return {
    ca: pem(ssl?.ca, ssl?.ca_filename, 'ca_filename'),
    cert: pem(ssl?.cert, ssl?.cert_filename, 'cert_filename'),
    key: pem(ssl?.key, ssl?.key_filename, 'key_filename'),
  };
}
