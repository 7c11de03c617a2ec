'use strict';
// Summarises V8 .cpuprofile files (node --cpu-prof, written by `bench/run.js --profile`):
// self time per function and per package. `node bench/cpu-profile-summary.js <file.cpuprofile>…`
const { readFileSync } = require('node:fs');

for (const file of process.argv.slice(2)) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = p.timeDeltas;
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (dt[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map();
  const pkg = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const where = cf.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm:').replace(/.*\/work\/main\//, '');
    const key = `${cf.functionName || '(anonymous)'} ${where.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const group = cf.url ? (where.startsWith('nm:') ? where.split('/').slice(0, where.startsWith('nm:@') ? 2 : 1).join('/') : where.split('/')[0]) : cf.functionName || '(native)';
    pkg.set(group, (pkg.get(group) ?? 0) + us);
  }
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(6)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`).join('\n');
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n by package:\n${top(pkg, 12)}\n by function:\n${top(fn, 20)}\n`);
}
