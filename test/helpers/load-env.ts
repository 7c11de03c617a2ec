import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// jest setupFile: `npm test` exports the servers' URLs; a bare `npx jest` after
// `bash scripts/setup.sh` finds them in the env file that script writes.
const envFile = join(process.env.SLUICE_STATE_DIR ?? '/var/tmp/sluice', 'env.sh');
if (existsSync(envFile)) {
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]!] === undefined) process.env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1');
  }
}
