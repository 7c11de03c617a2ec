'use strict';
// Times the PostgreSQL connector's COPY text path alone (no Temporal): readCopyText pages and
// writeCopyText batches (with a checkpoint each, as a sync writes them), into bench_phase.<table>.
//   node bench/phase-profile.js [narrow|wide] [source schema, default bench_src_1m]
const u=require('./lib/util');u.loadEnv();
const { ConnectorRegistry } = require('@sluice/connector-sdk');
const pg = require('@sluice/connector-postgres').default;
(async()=>{
  const reg=new ConnectorRegistry().register(pg);
  const url=u.pgUrlWith(process.env.SLUICE_PG_URL);
  const {plugin,config}=reg.resolve({url});
  const src=await plugin.open(config), dst=await plugin.open(config);
  const table=process.argv[2]||'narrow', schema=process.argv[3]||'bench_src_1m';
  const [t]=await src.introspect(schema,{tables:[table]});
  const cols=t.columns.map(c=>c.name);
  await u.pgq(process.env.SLUICE_PG_URL,`DROP SCHEMA IF EXISTS bench_phase CASCADE; CREATE SCHEMA bench_phase; CREATE TABLE bench_phase.${table} (LIKE ${schema}.${table} INCLUDING ALL)`);
  const w=await dst.openWriter({schema:'bench_phase',name:table},{columns:cols,mode:'append',key:['id'],highPerformance:true});
  let tr=0,tw=0,n=0,t0=performance.now();
  const it=src.readCopyText({schema,name:table},{columns:cols,key:['id'],after:null,until:null,batchSize:10000})[Symbol.asyncIterator]();
  for(;;){const a=performance.now();const r=await it.next();tr+=performance.now()-a;if(r.done)break;const b=performance.now();await w.writeCopyText(r.value.text,r.value.rows,{stream:'x',state:JSON.stringify({n:n++})});tw+=performance.now()-b;}
  console.log(table,'read ms',Math.round(tr),'write ms',Math.round(tw),'total',Math.round(performance.now()-t0),'batches',n);
  await w.close();await src.close();await dst.close();
  await u.pgq(process.env.SLUICE_PG_URL,'DROP SCHEMA IF EXISTS bench_phase CASCADE');
})();
