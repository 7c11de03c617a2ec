'use strict';
// Times the rows path alone (no Temporal): a connector's `read` batches (one read ahead, as the sync
// activity does) into the PostgreSQL writer's bulk `write` with a checkpoint each, into bench_phase.<table>.
//   node bench/phase-profile-rows.js [narrow|wide] [source: maria|pg] [source schema, default bench_src_1m]
// Add --cpu-prof (node --cpu-prof bench/phase-profile-rows.js …) and bench/cpu-profile-summary.js to see where it goes.
const u = require('./lib/util');
u.loadEnv();
const { ConnectorRegistry } = require('@sluice/connector-sdk');
const pg = require('@sluice/connector-postgres').default;
const mysql = require('@sluice/connector-mysql').default;
(async () => {
  const table = process.argv[2] || 'narrow', from = process.argv[3] || 'maria', schema = process.argv[4] || 'bench_src_1m';
  const reg = new ConnectorRegistry().register(pg).register(mysql);
  const srcUrl = from === 'maria' ? process.env.SLUICE_MARIADB_URL : u.pgUrlWith(process.env.SLUICE_PG_URL);
  const s = reg.resolve({ url: srcUrl }), d = reg.resolve({ url: u.pgUrlWith(process.env.SLUICE_PG_URL) });
  const src = await s.plugin.open(s.config), dst = await d.plugin.open(d.config);
  const [t] = await src.introspect(schema, { tables: [table] });
  await u.pgq(process.env.SLUICE_PG_URL, 'DROP SCHEMA IF EXISTS bench_phase CASCADE; CREATE SCHEMA bench_phase');
  await dst.createTable({ schema: 'bench_phase', name: table }, t);
  const cols = t.columns.map((c) => c.name);
  const w = await dst.openWriter({ schema: 'bench_phase', name: table }, { columns: cols, mode: 'append', key: ['id'], highPerformance: true });
  let tr = 0, tw = 0, n = 0, rows = 0;
  const t0 = performance.now();
  const it = src.read({ schema, name: table }, { columns: cols, key: ['id'], batchSize: +(process.env.BATCH || 10000) })[Symbol.asyncIterator]();
  let next = it.next();
  for (;;) {
    const a = performance.now();
    const r = await next;
    tr += performance.now() - a;
    if (r.done) break;
    next = it.next();
    const b = performance.now();
    rows += await w.write(r.value.rows, { stream: 'x', state: JSON.stringify({ n: n++ }) });
    tw += performance.now() - b;
  }
  console.log(from, table, 'rows', rows, 'wait for read ms', Math.round(tr), 'write ms', Math.round(tw), 'total', Math.round(performance.now() - t0), 'batches', n);
  await w.close(); await src.close(); await dst.close();
  await u.pgq(process.env.SLUICE_PG_URL, 'DROP SCHEMA IF EXISTS bench_phase CASCADE');
})();
