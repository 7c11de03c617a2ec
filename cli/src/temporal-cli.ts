import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where the project's scripts put their state (the Temporal CLI's venv among it). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SLUICE_STATE_DIR ?? '/var/tmp/sluice';
}

/**
 * The `temporal` CLI to run the dev server with: TEMPORAL_CLI, then `temporal`
 * on PATH, then the one `scripts/setup.sh` installs.
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.TEMPORAL_CLI,
    ...(env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'temporal')),
    join(stateDir(env), 'venv', 'bin', 'temporal'),
    join(stateDir(env), 'bin', 'temporal'),
  ];
  for (const candidate of candidates) {
    if (candidate && isExecutable(candidate)) return candidate;
  }
  throw new Error(
    'No Temporal CLI found (TEMPORAL_CLI, PATH, ' + join(stateDir(env), 'venv/bin/temporal') + '). ' +
      'Run `bash scripts/setup.sh` to install it, or set TEMPORAL_CLI to a `temporal` binary.',
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
