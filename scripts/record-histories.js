#!/usr/bin/env node
// Records workflow histories for the replay test (test/replay.test.ts): runs each
// workflow path once against a dev server and the local databases, then saves
// the histories with every connection password scrubbed. Run after a change
// that is meant to alter workflow behaviour (and say so in the commit):
//   eval "$(bash scripts/setup.sh)" && npm run build && node scripts/record-histories.js
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { Client: PgClient } = require('pg');
const { NativeConnection, Runtime, DefaultLogger } = require('@temporalio/worker');
const { execFileSync } = require('node:child_process');
const { startDevServer, findTemporalCli } = require('@sluice/cli');
const { createSluiceWorker } = require('@sluice/worker');
const { SluiceClient } = require('@sluice/client');

const OUT = join(__dirname, '..', 'test', 'replay', 'histories');
// Recordings of a new workflow version go beside the old ones: RECORD_SUFFIX=-v2 names them apart.
const SUFFIX = process.env.RECORD_SUFFIX ?? '';
const plain = {}; // the default data converter: recorded payloads stay readable, then get scrubbed

async function main() {
  const pgUrl = process.env.SLUICE_PG_URL;
  if (!pgUrl) throw new Error('SLUICE_PG_URL is not set: eval "$(bash scripts/setup.sh)" first');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  // Refresh jobs resolve catalog connections: keep this recording's catalog in the test database.
  process.env.SLUICE_CATALOG_URL = pgUrl;
  const pg = new PgClient({ connectionString: pgUrl });
  await pg.connect();
  await pg.query('DROP SCHEMA IF EXISTS replay_src CASCADE; DROP SCHEMA IF EXISTS replay_dst CASCADE; CREATE SCHEMA replay_src; CREATE SCHEMA replay_dst');
  await pg.query(`CREATE TABLE replay_src.a (id int PRIMARY KEY, v text); INSERT INTO replay_src.a SELECT g, 'v' || g FROM generate_series(1, 500) g;
                  CREATE TABLE replay_src.b (id int PRIMARY KEY, w int); INSERT INTO replay_src.b SELECT g, g FROM generate_series(1, 200000) g;`);
  const server = await startDevServer({ headless: true });
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await createSluiceWorker({ connection, taskQueue: 'record', dataConverter: plain });
  const running = worker.run();
  const client = await SluiceClient.connect({ address: server.address, taskQueue: 'record', dataConverter: plain });
  const url = (schema) => `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`;
  const wrong = pgUrl.replace(/:([^:@/]*)@/, ':not-the-password@');
  const recorded = {};
  try {
    recorded['test-connection-ok'] = await client.startTestConnection({ url: pgUrl }, { jobId: 'replay-test-ok' });
    await client.testConnectionResult(recorded['test-connection-ok']);
    recorded['test-connection-failed'] = await client.startTestConnection({ url: wrong }, { jobId: 'replay-test-failed' });
    await client.testConnectionResult(recorded['test-connection-failed']);
    const sync = { source: { url: url('replay_src') }, destination: { url: url('replay_dst') }, createTables: true };
    recorded['sync-completed'] = await client.startSync({ ...sync, tables: [{ schema: 'replay_src', name: 'a' }] }, { jobId: 'replay-sync-ok' });
    await client.waitForJob(recorded['sync-completed']);
    recorded['sync-unsupported'] = await client.startSync({ ...sync, tables: [{ schema: 'replay_src', name: 'a' }], mode: 'upsert', destinationSchema: 'no_such' }, { jobId: 'replay-sync-error' });
    await client.waitForJob(recorded['sync-unsupported']);
    recorded['sync-cancelled'] = await client.startSync({ ...sync, tables: [{ schema: 'replay_src', name: 'b' }], batchSize: 100 }, { jobId: 'replay-sync-cancel' });
    await new Promise((r) => setTimeout(r, 1500));
    await client.cancelJob(recorded['sync-cancelled']);
    await client.waitForJob(recorded['sync-cancelled']);
    for (const name of ['replay-pg', 'replay-pg-wrong']) await client.catalog.deleteConnection(name).catch(() => undefined);
    await client.catalog.createConnection({ configName: 'replay-pg', url: url('replay_src') });
    await client.catalog.createConnection({ configName: 'replay-pg-wrong', url: wrong });
    recorded['refresh-databases'] = await client.catalog.startRefresh({ kind: 'databases', connection: 'replay-pg' });
    await client.waitForJob(recorded['refresh-databases']);
    const [database] = (await client.catalog.listDatabaseConnections({ connection: 'replay-pg' })).results;
    recorded['refresh-schemas'] = await client.catalog.startRefresh({ kind: 'schemas', databaseConnection: database.id });
    await client.waitForJob(recorded['refresh-schemas']);
    recorded['refresh-schema'] = await client.catalog.startRefresh({ kind: 'schema', connection: 'replay-pg' });
    await client.waitForJob(recorded['refresh-schema']);
    recorded['refresh-schema-unhealthy'] = await client.catalog.startRefresh({ kind: 'schema', connection: 'replay-pg-wrong' });
    await client.waitForJob(recorded['refresh-schema-unhealthy']);
    mkdirSync(OUT, { recursive: true });
    const secrets = [decodeURIComponent(new URL(pgUrl).password), 'not-the-password'];
    for await (const wf of client.temporal.workflow.list({ query: 'WorkflowId STARTS_WITH "replay-" OR WorkflowId STARTS_WITH "sync-table-" OR WorkflowId STARTS_WITH "refresh-"' })) {
      const name = Object.keys(recorded).find((k) => recorded[k] === wf.workflowId) ?? `${wf.type}-${wf.workflowId.replace(/[^a-z0-9]+/gi, '-')}`;
      // The CLI writes the JSON form `historyFromJSON` reads back.
      const json = execFileSync(findTemporalCli(), ['workflow', 'show', '--address', server.address, '-w', wf.workflowId, '-r', wf.runId, '--output', 'json'], { maxBuffer: 64 << 20 }).toString();
      writeFileSync(join(OUT, `${name}${SUFFIX}.json`), scrub(json, secrets));
      console.error(`recorded ${name} (${wf.type}, ${JSON.parse(json).events.length} events)`);
    }
  } finally {
    await client.close();
    worker.shutdown();
    await running;
    await connection.close();
    await server.stop();
    await pg.query('DROP SCHEMA IF EXISTS replay_src CASCADE; DROP SCHEMA IF EXISTS replay_dst CASCADE; DROP SCHEMA IF EXISTS sluice_catalog CASCADE');
    await pg.end();
  }
}

/** Replaces every secret inside base64 payload data (and anywhere else) with REDACTED. */
function scrub(json, secrets) {
  const clean = (text) => secrets.reduce((t, s) => t.split(s).join('REDACTED'), text);
  return clean(json).replace(/"data":(\s*)"([A-Za-z0-9+/=]+)"/g, (_m, space, b64) => `"data":${space}"${Buffer.from(clean(Buffer.from(b64, 'base64').toString('utf8'))).toString('base64')}"`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
