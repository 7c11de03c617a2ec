'use strict';
// Timeline of one Sluice SYNC job (workflow + child workflows, from Temporal's event history):
// where a job's time goes besides copying. `node bench/job-timeline.js [table] [source-schema] [--warm]`.
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
    if (process.argv.includes('--warm')) {
      const warm = await w.client.startSync({ source: { url: util.pgUrlWith(process.env.SLUICE_PG_URL) }, destination: { url: util.pgUrlWith(process.env.SLUICE_PG_URL) }, tables: [{ schema, name: table }], destinationSchema: 'bench_timeline', createTables: true });
      await w.client.waitForJob(warm, undefined, 50);
      await util.pgq(process.env.SLUICE_PG_URL, 'DROP SCHEMA IF EXISTS bench_timeline CASCADE; CREATE SCHEMA bench_timeline');
    }
    const t0 = Date.now();
    const id = await w.client.startSync({ source: { url: util.pgUrlWith(process.env.SLUICE_PG_URL) }, destination: { url: util.pgUrlWith(process.env.SLUICE_PG_URL) }, tables: [{ schema, name: table }], destinationSchema: 'bench_timeline', createTables: true });
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
    await w.stop();
    await util.pgq(process.env.SLUICE_PG_URL, 'DROP SCHEMA IF EXISTS bench_timeline CASCADE');
  } finally {
    await bench.stop();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
