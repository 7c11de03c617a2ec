import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// In a plain Node process (jest keeps its own module registry): which driver packages a worker
// has loaded after registering every connector, and after a PostgreSQL session and test.
const probe = `
const { loadConnectors } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'connectors'))});
const drivers = () => [...new Set(Object.keys(require.cache)
  .map((k) => /node_modules\\/(pg|mysql2|mongodb|oracledb|mssql|tedious|ibm_db)\\//.exec(k)?.[1]).filter(Boolean))].sort();
(async () => {
  const { registry, missing } = loadConnectors();
  const atStart = drivers();
  const pg = registry.resolve({ url: process.env.SLUICE_PG_URL });
  const message = await pg.plugin.test(pg.config);
  const session = await pg.plugin.open(pg.config);
  await session.close();
  console.log(JSON.stringify({ types: registry.list().map((p) => p.type), missing, atStart, afterPostgres: drivers(), message: message.kind }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

test('a worker registers every connector without loading a driver; a job loads only its own engine\'s', () => {
  const out = JSON.parse(execFileSync(process.execPath, ['-e', probe], { env: process.env, encoding: 'utf8' }));
  expect(out.types).toEqual(['postgresql', 'mysql', 'mongodb', 'oracle', 'mssql', 'db2']);
  expect(out.missing).toEqual([]);
  expect(out.atStart).toEqual([]);
  expect(out.message).toBe('success');
  expect(out.afterPostgres).toEqual(['pg']);
});
