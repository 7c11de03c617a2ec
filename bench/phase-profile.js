'use strict';
// Times the PostgreSQL connector's COPY text path alone (no Temporal): readCopyText pages and
// writeCopyText batches (with a checkpoint each, as a sync writes them), into bench_phase.<table>.
//   node bench/phase-profile.js [narrow|wide] [source schema, default bench_src_1m] [binary|text]
// BATCH=rows per page (10,000); NOPK=1: the destination without its primary key; READ_ONLY=1: the
// pages are read (three times) and not written, with the process's CPU time per read.
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
  await u.pgq(process.env.SLUICE_PG_URL,`DROP SCHEMA IF EXISTS bench_phase CASCADE; CREATE SCHEMA bench_phase; CREATE TABLE bench_phase.${table} (LIKE ${schema}.${table}${process.env.NOPK ? "" : " INCLUDING ALL"})`);
  const w=await dst.openWriter({schema:'bench_phase',name:table},{columns:cols,mode:'append',key:['id'],highPerformance:true});
  const binary=process.argv[4]!=='text';
  if(process.env.READ_ONLY){
    for(let k=0;k<3;k++){
      const c0=process.cpuUsage(),t=performance.now();let rows=0;
      for await(const p of src.readCopyText({schema,name:table},{columns:cols,key:['id'],after:null,until:null,batchSize:+(process.env.BATCH||10000),binary})){rows+=p.rows;p.release?.();}
      const c=process.cpuUsage(c0);
      console.log(table,binary?'binary':'text','read only: rows',rows,'ms',Math.round(performance.now()-t),'cpu user ms',Math.round(c.user/1000),'sys ms',Math.round(c.system/1000));
    }
    await w.close();await src.close();await dst.close();
    return u.pgq(process.env.SLUICE_PG_URL,'DROP SCHEMA IF EXISTS bench_phase CASCADE');
  }
  let tr=0,tw=0,n=0,t0=performance.now();
  const it=src.readCopyText({schema,name:table},{columns:cols,key:['id'],after:null,until:null,batchSize:+(process.env.BATCH||10000),binary})[Symbol.asyncIterator]();
  // One page read ahead, as the sync activity does (readAhead).
  let next=it.next(),format;
  for(;;){const a=performance.now();const r=await next;tr+=performance.now()-a;if(r.done)break;next=it.next();format=r.value.format;const b=performance.now();await w.writeCopyText(r.value.text,r.value.rows,{stream:'x',state:JSON.stringify({n:n++})},r.value.format);tw+=performance.now()-b;}
  console.log(table,format,'wait for read ms',Math.round(tr),'write ms',Math.round(tw),'total',Math.round(performance.now()-t0),'batches',n);
  await w.close();await src.close();await dst.close();
  await u.pgq(process.env.SLUICE_PG_URL,'DROP SCHEMA IF EXISTS bench_phase CASCADE');
})();
