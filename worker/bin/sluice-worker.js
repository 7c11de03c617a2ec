#!/usr/bin/env node
// The `sluice-worker` command: a committed launcher, linked by npm before dist/ exists (see cli/bin/sluice.js).
try {
  require.resolve('../dist/main.js');
} catch {
  process.stderr.write('sluice-worker: not built yet; run `npm run build` in the repository first\n');
  process.exit(2);
}
require('../dist/main.js');
