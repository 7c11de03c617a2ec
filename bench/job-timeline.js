'use strict';
// Timeline of one Sluice SYNC job (workflow + child workflows, from Temporal's event history):
// where a job's time goes besides copying. `node bench/job-timeline.js [table] [source-schema] [--warm]
// [--kill]`; --warm=SCHEMA warms with that schema's table instead (bench_src_warm: as the bench does); --kill: the worker is SIGKILLed once half of the rows are committed and a new one started
// on the same task queue (the resume measurement's scenario, batchSize 10,000 as there).
const { SluiceBench } = require('./lib/sluice');
const util = require('./lib/util');

async function main() {
  util.loadEnv();
  const table = process.argv[2] || 'narrow';
  const schema = process.argv[3] || 'bench_src_1m';
  const bench = await SluiceBench.start();
  try {
    await util.pgq(process.env.SLUICE_PG_URL, 'DROP SCHEMA IF EXISTS bench_timeline CASCADE; CREATE SCHEMA bench_timeline');
    const w = await bench.startWorker();
    // --warm: the same job once before, as a long-running worker has run syncs before (JIT, caches).
    // --warm=SCHEMA: the same table of another schema (bench_src_warm: the 2,000-row warm-up the bench runs).
    const warmArg = process.argv.find((a) => a === '--warm' || a.startsWith('--warm='));
    if (warmArg) {
      const warmSchema = warmArg.includes('=') ? warmArg.split('=')[1] : schema;
      const warm = await w.client.startSync({ source: { url: util.pgUrlWith(process.env.SLUICE_PG_URL) }, destination: { url: util.pgUrlWith(process.env.SLUICE_PG_URL) }, tables: [{ schema: warmSchema, name: table }], destinationSchema: 'bench_timeline', createTables: true });
      await w.client.waitForJob(warm, undefined, 50);
      await util.pgq(process.env.SLUICE_PG_URL, 'DROP SCHEMA IF EXISTS bench_timeline CASCADE; CREATE SCHEMA bench_timeline');
    }
    const t0 = Date.now();
    const kill = process.argv.includes('--kill');
    const id = await w.client.startSync({ source: { url: util.pgUrlWith(process.env.SLUICE_PG_URL) }, destination: { url: util.pgUrlWith(process.env.SLUICE_PG_URL) }, tables: [{ schema, name: table }], destinationSchema: 'bench_timeline', createTables: true, ...(kill ? { batchSize: 10_000 } : {}) });
    let next = null;
    if (kill) {
      const [{ n: rows }] = await util.pgq(process.env.SLUICE_PG_URL, `SELECT count(*)::bigint AS n FROM "${schema}"."${table}"`);
      const probe = await util.pgClient(process.env.SLUICE_PG_URL);
      for (;;) {
        const r = await probe.query(`SELECT coalesce(sum((state::json->>'rows')::bigint), 0)::bigint AS n FROM bench_timeline._sluice_state WHERE table_name = $1`, [table]).catch(() => ({ rows: [{ n: 0 }] }));
        if (Number(r.rows[0].n) >= Number(rows) / 2) break;
        await util.sleep(25);
      }
      await probe.end();
      console.log(`killed at ${Date.now() - t0} ms (${new Date().toISOString()})`);
      await w.kill();
      next = await bench.startWorker(w.taskQueue);
      console.log(`new worker polling at ${Date.now() - t0} ms`);
    }
    const job = await w.client.waitForJob(id, undefined, 50);
    console.log(`job ${job.state} in ${Date.now() - t0} ms (client view)`);
    const wf = w.client.temporal.workflow;
    const dump = async (wid, indent) => {
      const h = await wf.getHandle(wid).fetchHistory();
      const start = Number(h.events[0].eventTime.seconds) * 1000 + h.events[0].eventTime.nanos / 1e6;
      for (const e of h.events) {
        const t = Number(e.eventTime.seconds) * 1000 + e.eventTime.nanos / 1e6;
        const type = Object.keys(e).find((k) => k.endsWith('EventAttributes'));
        const a = e[type] || {};
        const what = a.activityType?.name || a.workflowType?.name || a.workflowExecution?.workflowId || '';
        console.log(`${indent}${String(Math.round(t - t0)).padStart(6)} ms  ${type.replace('EventAttributes', '')} ${what}`);
        if (type === 'childWorkflowExecutionStartedEventAttributes') await dump(a.workflowExecution.workflowId, indent + '    ');
      }
      return start;
    };
    await dump(id, '');
    if (next) console.log(`new worker's log:\n${next.stderr().trim()}`);
    await (next ?? w).stop();
    await util.pgq(process.env.SLUICE_PG_URL, 'DROP SCHEMA IF EXISTS bench_timeline CASCADE');
  } finally {
    await bench.stop();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
