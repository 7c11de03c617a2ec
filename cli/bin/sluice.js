#!/usr/bin/env node
// The `sluice` command. A committed launcher rather than dist/bin.js itself: npm links a
// workspace's bin on `npm ci`, before `npm run build` has made dist/, and skips a missing file.
try {
  require.resolve('../dist/bin.js');
} catch {
  process.stderr.write('sluice: not built yet; run `npm run build` in the repository first\n');
  process.exit(2);
}
require('../dist/bin.js');
