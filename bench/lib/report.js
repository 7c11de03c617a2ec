'use strict';
// Targets (each a measured ratio + PASS / MISS / NOT MEASURED) and the Markdown of bench/README.md.
const { readdirSync, readFileSync, writeFileSync, existsSync } = require('node:fs');
const path = require('node:path');

const fmt = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'));
const r2 = (x) => (x === null || x === undefined ? null : Math.round(x * 100) / 100);

function find(result, pair, table, contender) {
  return result.results.find((r) => r.pair === pair && r.table === table && r.contender === contender);
}

function ratioTarget(name, a, b, threshold, why) {
  if (!a || a.status !== 'ok' || !b || b.status !== 'ok') {
    const missing = [a, b].filter((x) => !x || x.status !== 'ok').map((x) => (x ? `${x.contender}: ${x.status}` : 'not run'));
    return { name, threshold: `≥ ${threshold}×`, measured: `not measured (${missing.join('; ')})`, ratio: null, status: 'NOT MEASURED' };
  }
  const ratio = a.rowsPerSec / b.rowsPerSec;
  return { name, threshold: `≥ ${threshold}×`, measured: `${r2(ratio)}× (${fmt(a.rowsPerSec)} vs ${fmt(b.rowsPerSec)} rows/s${why ? `; ${why}` : ''})`, ratio: r2(ratio), status: ratio >= threshold ? 'PASS' : 'MISS' };
}

/** The latest results file of another size, for the RSS-flatness comparison (1M against 10M). */
function otherSize(outDir, size) {
  const want = size === '10m' ? '1m' : size === '1m' ? '10m' : null;
  if (!want || !existsSync(outDir)) return null;
  const files = readdirSync(outDir).filter((f) => f.endsWith(`-${want}.json`)).sort();
  if (!files.length) return null;
  try {
    return { file: files[files.length - 1], result: JSON.parse(readFileSync(path.join(outDir, files[files.length - 1]), 'utf8')) };
  } catch {
    return null;
  }
}

const SHORT = { 'pg-pg': 'PG → PG', 'maria-pg': 'MariaDB → PG', 'pg-maria': 'PG → MariaDB' };

function computeTargets(result, outDir) {
  const t = [];
  for (const table of ['wide', 'narrow']) {
    const copyText = find(result, 'pg-pg', table, 'psql-copy-text');
    t.push(ratioTarget(`PG → PG ${table}: Sluice append (high-performance) vs psql COPY text pipe`, find(result, 'pg-pg', table, 'sluice-append'), copyText, 0.9));
    t.push(ratioTarget(`PG → PG ${table}: Sluice upsert into an empty table vs psql COPY text pipe`, find(result, 'pg-pg', table, 'sluice-upsert-empty'), copyText, 0.5));
    t.push(ratioTarget(`MariaDB → PG ${table}: Sluice append vs pgloader`, find(result, 'maria-pg', table, 'sluice-append'), find(result, 'maria-pg', table, 'pgloader'), 1.5));
  }
  // Faster than every peer on every pair it shares with them (Sluice's append against each peer that ran).
  for (const pair of ['pg-pg', 'maria-pg', 'pg-maria']) {
    for (const table of ['wide', 'narrow']) {
      const s = find(result, pair, table, 'sluice-append');
      for (const peer of result.results.filter((r) => r.pair === pair && r.table === table && r.kind === 'peer')) {
        if (peer.status !== 'ok') {
          t.push({ name: `${SHORT[pair]} ${table}: Sluice append vs ${peer.contender}`, threshold: '≥ 1×', measured: `not measured (${peer.contender}: ${peer.status}${peer.error ? ` — ${peer.error.slice(0, 120)}` : ''})`, ratio: null, status: 'NOT MEASURED' });
        } else t.push(ratioTarget(`${SHORT[pair]} ${table}: Sluice append vs ${peer.contender}`, s, peer, 1));
      }
    }
  }
  const rss = result.extras.workerPeakRss?.maxMiB;
  const other = otherSize(outDir, result.size);
  // The issue's 300 MB, in the MiB that VmHWM is reported in: 300e6 bytes = 286.1 MiB; at both sizes.
  const limitMiB = Math.round((300e6 / 1048576) * 10) / 10;
  const threshold = `≤ 300 MB (${limitMiB} MiB)`;
  const otherRss = other?.result?.extras?.workerPeakRss?.maxMiB;
  const worst = Math.max(rss ?? 0, otherRss ?? 0);
  const measured = `${rss} MiB at ${result.size}${otherRss ? `; ${otherRss} MiB at ${other.result.size} (${other.file})` : ''}`;
  t.push(rss ? { name: 'Worker peak RSS (VmHWM, max over Sluice runs)', threshold, measured, ratio: r2(worst / limitMiB), status: worst <= limitMiB ? 'PASS' : 'MISS' } : { name: 'Worker peak RSS', threshold, measured: 'not measured', ratio: null, status: 'NOT MEASURED' });
  // Like for like: only the Sluice runs (pair, table, contender) both sizes measured.
  const peaks = (r) => new Map((r?.results ?? []).filter((x) => x.workerPeakRssMiB).map((x) => [`${x.pair}/${x.table}/${x.contender ?? x.id}`, x.workerPeakRssMiB]));
  const mine = peaks(result);
  const theirs = peaks(other?.result);
  const shared = [...mine.keys()].filter((k) => theirs.has(k));
  if (shared.length) {
    const here = Math.max(...shared.map((k) => mine.get(k)));
    const there = Math.max(...shared.map((k) => theirs.get(k)));
    const [small, large] = result.size === '10m' ? [there, here] : [here, there];
    const growth = large / small - 1;
    const pairs = [...new Set(shared.map((k) => k.split('/')[0]))].map((p) => SHORT[p] ?? p).join(', ');
    t.push({ name: 'Worker peak RSS flat from 1M to 10M rows', threshold: '≤ +10%', measured: `${small} → ${large} MiB (${r2(growth * 100)}%; max over the ${shared.length} Sluice runs both sizes made, ${pairs}; other size: ${other.file})`, ratio: r2(large / small), status: growth <= 0.1 ? 'PASS' : 'MISS' });
  } else {
    t.push({ name: 'Worker peak RSS flat from 1M to 10M rows', threshold: '≤ +10%', measured: 'not measured (needs a 1m and a 10m run: `npm run bench -- --size 10m`)', ratio: null, status: 'NOT MEASURED' });
  }
  const c = result.extras.cancel;
  if (c?.status === 'ok' && c.p95Ms !== null) t.push({ name: `Cancel latency p95 (${c.measured} runs; cancel → CANCELED, connections released)`, threshold: '≤ 2000 ms', measured: `p50 ${c.p50Ms} ms, p95 ${c.p95Ms} ms`, ratio: r2(c.p95Ms / 2000), status: c.p95Ms <= 2000 ? 'PASS' : 'MISS' });
  else t.push({ name: 'Cancel latency p95', threshold: '≤ 2000 ms', measured: `not measured${c?.error ? ` (${c.error})` : ''}`, ratio: null, status: 'NOT MEASURED' });
  const res = result.extras.resume;
  if (res?.status === 'ok' && res.state === 'COMPLETED') {
    t.push({ name: 'Resume after SIGKILL at 50%: rows re-read', threshold: `≤ 1 batch (${fmt(res.batchSize)})`, measured: `${fmt(res.rowsReRead)} rows (${res.lanes ? `${res.lanes} lanes, ${r2(res.rowsReRead / res.batchSize / res.lanes)} batches per lane; ` : ''}source tuples fetched ${fmt(res.tuplesFetched)}, uninterrupted ${fmt(res.tuplesFetchedUninterrupted)})`, ratio: r2(res.rowsReRead / res.batchSize), status: res.rowsReRead <= res.batchSize ? 'PASS' : 'MISS' });
    if (res.extraFraction !== null) t.push({ name: 'Resume after SIGKILL at 50%: extra time', threshold: '≤ 20%', measured: `${r2(res.extraFraction * 100)}% (${res.seconds} s vs ${res.baselineSeconds} s uninterrupted)`, ratio: r2(res.extraFraction / 0.2), status: res.extraFraction <= 0.2 ? 'PASS' : 'MISS' });
    else t.push({ name: 'Resume after SIGKILL at 50%: extra time', threshold: '≤ 20%', measured: 'not measured (no uninterrupted sluice-append run of the wide table)', ratio: null, status: 'NOT MEASURED' });
  } else t.push({ name: 'Resume after SIGKILL at 50%', threshold: '≤ 1 batch, ≤ 20%', measured: `not measured${res?.error ? ` (${res.error})` : res?.state ? ` (${res.state})` : ''}`, ratio: null, status: 'NOT MEASURED' });
  const i = result.extras.introspection;
  if (i?.status === 'ok') {
    const scaled = i.tables === 10_000;
    t.push({ name: `Introspection of ${fmt(i.tables)} tables × ${i.columnsPerTable} columns (connector introspect)`, threshold: '≤ 10 s (10,000 tables)', measured: `${r2(i.sluice.seconds)} s${scaled ? '' : ' (not the 10,000-table size)'}`, ratio: r2(i.sluice.seconds / 10), status: !scaled ? 'NOT MEASURED' : i.sluice.seconds <= 10 ? 'PASS' : 'MISS' });
    if (i.speedup !== null) t.push({ name: `Introspection vs SQLAlchemy per-table get_columns (${fmt(i.tables)} tables)`, threshold: '≥ 5×', measured: `${r2(i.speedup)}× (${r2(i.sluice.seconds)} s vs ${r2(i.sqlalchemy.seconds)} s)`, ratio: r2(i.speedup), status: i.speedup >= 5 ? 'PASS' : 'MISS' });
    else t.push({ name: 'Introspection vs SQLAlchemy per-table reflection', threshold: '≥ 5×', measured: `not measured (SQLAlchemy: ${i.sqlalchemy.status} ${i.sqlalchemy.reason ?? i.sqlalchemy.error ?? ''})`, ratio: null, status: 'NOT MEASURED' });
    const rs = i.refreshSchema;
    if (rs.status === 'ok') t.push({ name: `REFRESH_SCHEMA job, ${fmt(i.tables)} tables × ${i.columnsPerTable} columns (start → COMPLETED)`, threshold: '≤ 10 s (10,000 tables)', measured: `${r2(rs.seconds)} s${scaled ? '' : ' (not the 10,000-table size)'}`, ratio: r2(rs.seconds / 10), status: !scaled ? 'NOT MEASURED' : rs.seconds <= 10 ? 'PASS' : 'MISS' });
    else t.push({ name: 'REFRESH_SCHEMA job, 10,000 tables', threshold: '≤ 10 s', measured: `not measured (${rs.status}: ${rs.reason ?? rs.error ?? ''})`, ratio: null, status: 'NOT MEASURED' });
  } else t.push({ name: 'Introspection of 10,000 tables', threshold: '≤ 10 s, ≥ 5× SQLAlchemy', measured: `not measured${i?.error ? ` (${i.error})` : ''}`, ratio: null, status: 'NOT MEASURED' });
  return t;
}

function resultsTable(result) {
  const lines = [];
  const pairs = [...new Set(result.results.map((r) => r.pair))];
  const titles = { 'pg-pg': 'PostgreSQL → PostgreSQL', 'maria-pg': 'MariaDB → PostgreSQL', 'pg-maria': 'PostgreSQL → MariaDB', 'maria-maria': 'MariaDB → MariaDB (engine reference)' };
  for (const pair of pairs) {
    lines.push(`### ${titles[pair] ?? pair}`, '');
    lines.push('| table | contender | rows/s | seconds | verified | worker peak RSS | note |', '| --- | --- | ---: | ---: | --- | ---: | --- |');
    for (const r of result.results.filter((x) => x.pair === pair)) {
      const verified = r.verified ? `${r.verified.ok ? '✓' : '✗'} ${fmt(r.verified.rows)} rows${r.verified.checksum ? `, checksum ${r.verified.checksum}` : ''}` : '—';
      const note = r.status === 'ok' ? '' : `**${r.status}**${r.error ? `: ${r.error.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 200)}` : ''}`;
      lines.push(`| ${r.table} | ${r.label.replace(/\|/g, '\\|')} | ${r.status === 'ok' ? fmt(r.rowsPerSec) : '—'} | ${r.seconds ?? '—'}${r.runsSeconds ? ` (median: ${r.runsSeconds.join(' / ')})` : ''} | ${verified} | ${r.workerPeakRssMiB ? `${r.workerPeakRssMiB} MiB` : ''} | ${note} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function extrasSection(result) {
  const e = result.extras;
  const out = [];
  if (e.startLatency) out.push(`- **Job start latency** (start call → first row committed, narrow PG → PG, ${e.startLatency.runs ?? '?'} runs): ${e.startLatency.status === 'ok' ? `p50 ${e.startLatency.p50Ms} ms, p95 ${e.startLatency.p95Ms} ms` : e.startLatency.error}`);
  if (e.cancel) out.push(`- **Cancel latency** (cancel call → CANCELED and every worker connection closed, wide PG → PG): ${e.cancel.status === 'ok' ? `p50 ${e.cancel.p50Ms} ms, p95 ${e.cancel.p95Ms} ms, max ${e.cancel.maxMs} ms over ${e.cancel.measured} runs${e.cancel.skipped?.length ? ` (${e.cancel.skipped.length} finished before the cancel)` : ''}` : e.cancel.error}`);
  if (e.resume) out.push(`- **Resume after SIGKILL at 50%** (wide PG → PG append, batch ${fmt(e.resume.batchSize)}): ${e.resume.status === 'ok' ? `${e.resume.state}; killed at ${e.resume.killedAtSeconds} s with ${fmt(e.resume.committedAtKill)} rows committed; total ${e.resume.seconds} s vs ${e.resume.baselineSeconds ?? '—'} s uninterrupted; rows re-read ${fmt(e.resume.rowsReRead)} (source tuples fetched ${fmt(e.resume.tuplesFetched)} vs ${fmt(e.resume.tuplesFetchedUninterrupted)} uninterrupted)` : e.resume.error}`);
  if (e.workerPeakRss) out.push(`- **Worker peak RSS** (VmHWM of the worker process, a fresh worker per run): max ${e.workerPeakRss.maxMiB ?? '—'} MiB`);
  if (e.introspection) {
    const i = e.introspection;
    out.push(i.status === 'ok'
      ? `- **Introspection** of ${fmt(i.tables)} tables × ${i.columnsPerTable} columns: Sluice PostgreSQL connector \`introspect\` ${r2(i.sluice.seconds)} s (${fmt(i.sluice.columns)} columns); SQLAlchemy \`inspect(engine).get_columns\` per table: ${i.sqlalchemy.status === 'ok' ? `${r2(i.sqlalchemy.seconds)} s (SQLAlchemy ${i.sqlalchemy.sqlalchemy})` : `${i.sqlalchemy.status} ${i.sqlalchemy.reason ?? i.sqlalchemy.error ?? ''}`}. REFRESH_SCHEMA job (start → COMPLETED, catalog in PostgreSQL): ${i.refreshSchema.status === 'ok' ? `${r2(i.refreshSchema.seconds)} s` : `${i.refreshSchema.status} — ${i.refreshSchema.reason ?? i.refreshSchema.error}`}`
      : `- **Introspection**: ${i.error}`);
  }
  return out.join('\n');
}

function renderReadme(file, result, resultFile) {
  const m = result.machine;
  const v = result.versions;
  const body = [
    `Latest run: **${result.size}** (${fmt(result.rowsPerTable)} rows per table), ${result.startedAt}, ${Math.round(result.totalSeconds)} s in all; results: \`${resultFile}\`.`,
    '',
    `Command: \`${result.command}\``,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}, kernel ${m.kernel}. The PostgreSQL and MariaDB servers (and the machine) were shared with other work while the benchmark ran.`,
    '',
    `Versions: node ${v.node}; PostgreSQL ${v.postgresql}; MariaDB ${v.mariadb}; Temporal CLI ${v.temporalCli}; ${v.psql}; ${v.mysqlClient}; sling ${v.sling}; pgloader ${v.pgloader}; ${v.pgcopydb}; ${v.python ?? ''} with ${v.pythonPackages}.`,
    '',
    '### Targets',
    '',
    '| target | threshold | measured | status |',
    '| --- | --- | --- | --- |',
    ...result.targets.map((t) => `| ${t.name} | ${t.threshold} | ${String(t.measured).replace(/\|/g, '\\|')} | **${t.status}** |`),
    '',
    resultsTable(result),
    '### Other measurements',
    '',
    extrasSection(result),
    '',
  ].join('\n');
  const start = '<!-- results:start -->';
  const end = '<!-- results:end -->';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : `${start}\n${end}\n`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  const next = a >= 0 && b > a ? `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}` : `${text}\n${start}\n${body}\n${end}\n`;
  writeFileSync(file, next);
}

module.exports = { computeTargets, renderReadme };
