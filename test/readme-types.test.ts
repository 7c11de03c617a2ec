import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The README's table of created column types is the connectors' own mapping: rendered from each
// connector's toNative (what createTable uses), so the documentation cannot drift from the code.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { renderTypeTable } = require('../scripts/type-table.js') as { renderTypeTable: () => string };

test('the README table of created column types is what the connectors create', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const block = /<!-- type-table:start -->\n([\s\S]*?)\n<!-- type-table:end -->/.exec(readme);
  expect(block).not.toBeNull();
  // On a difference: `node scripts/type-table.js` prints the table to paste between the markers.
  expect(block![1]).toBe(renderTypeTable());
});
