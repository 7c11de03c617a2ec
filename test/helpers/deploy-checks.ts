import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { parser as promql } from '@prometheus-io/lezer-promql';
import { parseAllDocuments } from 'yaml';

// Checks of the deployment files (Dockerfile, deploy/kubernetes, deploy/grafana).
// Each returns the problems it finds, worded for a person, and [] when there are
// none, so a test can feed it the real file and a broken copy.

export const repoRoot = join(__dirname, '..', '..');

// ---------------------------------------------------------------- Kubernetes

export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface K8sDoc {
  file: string;
  object: K8sObject;
}

/** Every YAML document of the files in `dir` (or the given texts), parse errors as problems. */
export function loadK8sDocs(files: { file: string; text: string }[]): { docs: K8sDoc[]; problems: string[] } {
  const docs: K8sDoc[] = [];
  const problems: string[] = [];
  for (const { file, text } of files) {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) problems.push(`${file}: YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      const object = doc.toJS() as K8sObject | null;
      if (object) docs.push({ file, object });
    }
  }
  return { docs, problems };
}

export function k8sFiles(dir = join(repoRoot, 'deploy', 'kubernetes')): { file: string; text: string }[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
}

const isKustomization = (o: K8sObject) => o.kind === 'Kustomization' && /^kustomize\.config\.k8s\.io\//.test(o.apiVersion ?? '');

/** kubeconform's file name for a kind: `<kind>-<group's first label>-<version>.json`, `<kind>-<version>.json` for the core group. */
export function schemaFileName(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return `${kind.toLowerCase()}${group ? `-${group!.split('.')[0]}` : ''}-${version}.json`.toLowerCase();
}

/**
 * Validates each object against the strict JSON schema of its kind and API
 * version in `schemaDir` (`v<k8s version>-local-strict/`, scripts/install-kubernetes-schemas.sh):
 * types, required fields, enums, and no field the API does not have.
 */
export class K8sSchemaValidator {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction | null>();

  constructor(private readonly schemaDir: string) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, '_definitions.json'), 'utf8')));
  }

  private validator(file: string): ValidateFunction | null {
    if (!this.cache.has(file)) {
      const path = join(this.schemaDir, file);
      this.cache.set(file, existsSync(path) ? this.ajv.compile(JSON.parse(readFileSync(path, 'utf8'))) : null);
    }
    return this.cache.get(file)!;
  }

  problems(docs: K8sDoc[]): string[] {
    const problems: string[] = [];
    for (const { file, object } of docs) {
      if (isKustomization(object)) continue; // not an API object: checked by kustomizationProblems
      const where = `${file}: ${object.kind ?? '?'} ${object.metadata?.name ?? '?'}`;
      if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
        problems.push(`${where}: no apiVersion or kind`);
        continue;
      }
      const validate = this.validator(schemaFileName(object.apiVersion, object.kind));
      if (!validate) {
        problems.push(`${where}: no schema for ${object.apiVersion} ${object.kind} in ${this.schemaDir}`);
        continue;
      }
      if (!validate(object)) {
        for (const e of validate.errors ?? []) {
          const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : '';
          problems.push(`${where}: ${e.instancePath || '/'} ${e.message}${extra}`);
        }
      }
    }
    return [...new Set(problems)];
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are checked field by field */
type Any = any;

interface PodOwner {
  doc: K8sDoc;
  podLabels: Record<string, string>;
  podSpec: Any;
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * What the schemas cannot see: references between the objects (Services and
 * HPAs reach a Deployment, env refers to ConfigMap/Secret keys that exist,
 * named ports and $(VARS) are defined), pods run as non-root, and Secrets hold
 * placeholders only.
 */
export function k8sConsistencyProblems(docs: K8sDoc[]): string[] {
  const problems: string[] = [];
  const objects = docs.map((d) => d.object as Any);
  const byKind = (kind: string) => docs.filter((d) => d.object.kind === kind);
  const data = (kind: string, name: string): Record<string, unknown> | undefined => {
    const o = objects.find((x) => x.kind === kind && x.metadata?.name === name);
    return o ? { ...(o.data ?? {}), ...(o.stringData ?? {}) } : undefined;
  };
  const owners: PodOwner[] = byKind('Deployment').map((doc) => {
    const o = doc.object as Any;
    return { doc, podLabels: o.spec?.template?.metadata?.labels ?? {}, podSpec: o.spec?.template?.spec ?? {} };
  });

  for (const { doc, podLabels, podSpec } of owners) {
    const o = doc.object as Any;
    const where = `${doc.file}: Deployment ${o.metadata?.name}`;
    if (!matches(o.spec?.selector?.matchLabels, podLabels)) problems.push(`${where}: spec.selector does not match the pod template's labels`);
    if (podSpec.securityContext?.runAsNonRoot !== true) problems.push(`${where}: pods must set securityContext.runAsNonRoot: true`);
    if (podSpec.securityContext?.runAsUser === 0) problems.push(`${where}: runAsUser 0 is root`);
    for (const c of podSpec.containers ?? []) {
      const cw = `${where}, container ${c.name}`;
      const portNames = new Set((c.ports ?? []).map((p: Any) => p.name).filter(Boolean));
      const portNumbers = new Set((c.ports ?? []).map((p: Any) => p.containerPort));
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const port = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
        if (port !== undefined && !(typeof port === 'string' ? portNames.has(port) : portNumbers.has(port))) problems.push(`${cw}: ${probe} uses port ${port}, which the container does not declare`);
      }
      if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${cw}: securityContext.allowPrivilegeEscalation must be false`);
      if (!c.resources?.requests?.memory || !c.resources?.limits?.memory) problems.push(`${cw}: needs a memory request and limit`);
      const envNames = new Set<string>((c.env ?? []).map((e: Any) => e.name));
      for (const from of c.envFrom ?? []) {
        const ref = from.configMapRef ?? from.secretRef;
        const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
        const d = data(kind, ref?.name);
        if (!d) {
          if (!ref?.optional) problems.push(`${cw}: envFrom ${kind} ${ref?.name} is not defined here`);
        } else for (const k of Object.keys(d)) envNames.add(k);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const kind = e.valueFrom.configMapKeyRef ? 'ConfigMap' : 'Secret';
        const d = data(kind, ref.name);
        if (!ref.optional && (!d || !(ref.key in d))) problems.push(`${cw}: env ${e.name} refers to ${kind} ${ref.name} key ${ref.key}, which is not defined here`);
      }
      for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
        for (const [, v] of String(arg).matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          if (!envNames.has(v!)) problems.push(`${cw}: $(${v}) in its command is not in its environment (Kubernetes would pass it literally)`);
        }
      }
    }
  }

  for (const doc of byKind('Service')) {
    const o = doc.object as Any;
    const owner = owners.find((w) => matches(o.spec?.selector, w.podLabels));
    const where = `${doc.file}: Service ${o.metadata?.name}`;
    if (!owner) {
      problems.push(`${where}: its selector matches no Deployment's pods`);
      continue;
    }
    const ports = (owner.podSpec.containers ?? []).flatMap((c: Any) => c.ports ?? []);
    for (const p of o.spec?.ports ?? []) {
      const t = p.targetPort ?? p.port;
      if (!ports.some((cp: Any) => (typeof t === 'string' ? cp.name === t : cp.containerPort === t))) problems.push(`${where}: targetPort ${t} is not a port of ${owner.doc.object.metadata?.name}`);
    }
  }

  for (const doc of byKind('HorizontalPodAutoscaler')) {
    const ref = (doc.object as Any).spec?.scaleTargetRef;
    const target = owners.find((w) => ref?.kind === 'Deployment' && w.doc.object.metadata?.name === ref?.name);
    if (!target) problems.push(`${doc.file}: HorizontalPodAutoscaler ${doc.object.metadata?.name}: scaleTargetRef ${ref?.kind} ${ref?.name} is not defined here`);
    else if (!(target.podSpec.containers ?? []).every((c: Any) => c.resources?.requests?.cpu)) problems.push(`${doc.file}: HorizontalPodAutoscaler on CPU needs a CPU request on every container of ${ref.name}`);
  }

  for (const doc of byKind('PodDisruptionBudget')) {
    if (!owners.some((w) => matches((doc.object as Any).spec?.selector?.matchLabels, w.podLabels))) problems.push(`${doc.file}: PodDisruptionBudget ${doc.object.metadata?.name}: its selector matches no Deployment's pods`);
  }

  for (const doc of byKind('Secret')) {
    const o = doc.object as Any;
    if (o.data && Object.keys(o.data).length) problems.push(`${doc.file}: Secret ${o.metadata?.name}: use stringData placeholders, not data`);
    for (const [k, v] of Object.entries(o.stringData ?? {})) {
      if (v !== '' && !String(v).includes('REPLACE-ME')) problems.push(`${doc.file}: Secret ${o.metadata?.name} key ${k}: not a placeholder (every value holds REPLACE-ME, or is empty)`);
    }
  }
  return problems;
}

/** The Kustomization lists exactly the manifests beside it. */
export function kustomizationProblems(docs: K8sDoc[], files: string[]): string[] {
  const k = docs.find((d) => isKustomization(d.object));
  if (!k) return ['no kustomization.yaml'];
  const resources = ((k.object as Any).resources ?? []) as string[];
  const expected = files.filter((f) => f !== k.file);
  return [
    ...expected.filter((f) => !resources.includes(f)).map((f) => `${k.file}: ${f} is not in resources`),
    ...resources.filter((r) => !files.includes(r)).map((r) => `${k.file}: resource ${r} does not exist`),
  ];
}

/** The worker Deployment as issue 18 asks: its command, probes on the metrics port, measured resources. */
export function workerDeploymentProblems(docs: K8sDoc[]): string[] {
  const doc = docs.find((d) => d.object.kind === 'Deployment' && d.object.metadata?.name === 'sluice-worker');
  if (!doc) return ['no Deployment sluice-worker'];
  const c = ((doc.object as Any).spec?.template?.spec?.containers ?? [])[0] ?? {};
  const problems: string[] = [];
  const command = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
  if (command !== 'node worker/dist/main.js') problems.push(`worker runs '${command}', not 'node worker/dist/main.js'`);
  const port = (c.ports ?? []).find((p: Any) => p.containerPort === 9464);
  if (!port) problems.push('worker does not declare port 9464 (SLUICE_METRICS_PORT)');
  const onMetrics = (probe: Any) => probe?.httpGet && (probe.httpGet.port === 9464 || probe.httpGet.port === port?.name);
  if (!(onMetrics(c.livenessProbe) && c.livenessProbe.httpGet.path === '/healthz')) problems.push('worker livenessProbe is not GET /healthz on 9464');
  if (!(onMetrics(c.readinessProbe) && c.readinessProbe.httpGet.path === '/readyz')) problems.push('worker readinessProbe is not GET /readyz on 9464');
  if (c.resources?.requests?.memory !== '512Mi' || c.resources?.limits?.memory !== '1Gi') problems.push(`worker memory is ${c.resources?.requests?.memory}/${c.resources?.limits?.memory}, not the measured 512Mi request / 1Gi limit`);
  const grace = (doc.object as Any).spec?.template?.spec?.terminationGracePeriodSeconds ?? 30;
  const config = docs.find((d) => d.object.kind === 'ConfigMap' && d.object.metadata?.name === 'sluice-config');
  const shutdown = /^(\d+)s$/.exec(String((config?.object as Any)?.data?.SLUICE_SHUTDOWN_GRACE_TIME ?? ''));
  if (!shutdown || Number(shutdown[1]) >= grace) problems.push(`SLUICE_SHUTDOWN_GRACE_TIME must be set in seconds and below the worker's terminationGracePeriodSeconds (${grace})`);
  return problems;
}

// ---------------------------------------------------------------- Dockerfile

interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

function stages(text: string): { stages: Stage[]; args: Map<string, string> } {
  const df = DockerfileParser.parse(text);
  const args = new Map<string, string>();
  for (const a of df.getInitialARGs()) {
    const p = a.getProperty();
    if (p?.getName()) args.set(p.getName(), p.getValue() ?? '');
  }
  const out: Stage[] = [];
  for (const i of df.getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      const from = df.getFROMs().find((f) => f.getRange().start.line === i.getRange().start.line)!;
      const image = (from.getImage() ?? '').replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, v: string) => args.get(v) ?? `\${${v}}`);
      out.push({ name: from.getBuildStage(), image, instructions: [] });
    } else if (out.length) out[out.length - 1]!.instructions.push(i);
  }
  return { stages: out, args };
}

const argsOf = (i: Instruction) => i.getArgumentsContent() ?? '';
/** A COPY's `--from=` stage (getArgumentsContent leaves flags out). */
const copyFrom = (i: Instruction): string | undefined => (i instanceof Copy ? (i.getFromFlag()?.getValue() ?? undefined) : undefined);

/**
 * The Dockerfile's shape: lint-clean (dockerfile-utils), multi-stage on a
 * slim Node base pinned by version, the runtime stage non-root with
 * `node worker/dist/main.js` as CMD and only production dependencies (copied
 * from a stage that installed them with --omit=dev), installs without install
 * scripts (see installScriptPolicyProblems).
 */
export function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  for (const d of lintDockerfile(text)) if (d.severity === 1) problems.push(`line ${d.range.start.line + 1}: ${d.message}`);
  const { stages: all } = stages(text);
  if (all.length < 2) return [...problems, `${all.length} stage(s): not a multi-stage build`];
  for (const s of all) {
    if (!/^node:20\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/.test(s.image) && !all.some((t) => t.name === s.image)) {
      problems.push(`stage ${s.name ?? '?'}: base '${s.image}' is not node:20.<minor>.<patch>-<debian>-slim (pinned Node 20 slim)`);
    }
  }
  const runtime = all[all.length - 1]!;
  const users = runtime.instructions.filter((i) => i.getKeyword() === 'USER').map(argsOf);
  const user = users[users.length - 1];
  if (!user) problems.push('the runtime stage has no USER: it would run as root');
  else if (/^(root|0)(:|$)/.test(user.trim())) problems.push(`the runtime stage runs as ${user}`);
  else if (!/^\d+(:\d+)?$/.test(user.trim())) problems.push(`USER ${user}: use a numeric uid so Kubernetes' runAsNonRoot can check it`);
  const cmds = runtime.instructions.filter((i) => i.getKeyword() === 'CMD');
  const cmd = cmds[cmds.length - 1];
  let cmdArgs: string[] | null = null;
  try {
    cmdArgs = cmd ? (JSON.parse(argsOf(cmd)) as string[]) : null;
  } catch {
    cmdArgs = null;
  }
  if (JSON.stringify(cmdArgs) !== JSON.stringify(['node', 'worker/dist/main.js'])) problems.push(`the runtime CMD is ${cmd ? argsOf(cmd) : 'missing'}, not ["node", "worker/dist/main.js"] (exec form)`);
  for (const i of runtime.instructions) {
    if (i.getKeyword() === 'RUN' && /\bnpm\s+(ci|install|i)\b/.test(argsOf(i))) problems.push(`the runtime stage installs packages itself: ${argsOf(i).slice(0, 60)}`);
  }
  const copiedFrom = runtime.instructions.filter((i) => i.getKeyword() === 'COPY').map(copyFrom).filter(Boolean) as string[];
  const prodStage = all.find((s) => s.name && copiedFrom.includes(s.name) && s.instructions.some((i) => i.getKeyword() === 'RUN' && /\bnpm\s+(ci|prune)\b[^&|;]*--omit=dev/.test(argsOf(i))));
  if (!prodStage) problems.push('the runtime stage copies from no stage that installs with --omit=dev: dev dependencies would ship');
  const fullInstall = all.filter((s) => s.name && copiedFrom.includes(s.name) && s !== prodStage).filter((s) => s.instructions.some((i) => i.getKeyword() === 'RUN' && /\bnpm\s+ci\b/.test(argsOf(i)) && !/--omit=dev/.test(argsOf(i))));
  for (const s of fullInstall) {
    if (runtime.instructions.some((i) => i.getKeyword() === 'COPY' && copyFrom(i) === s.name && /node_modules|\/app\/?\s/.test(argsOf(i)))) problems.push(`the runtime stage copies node_modules from ${s.name}, which has dev dependencies`);
  }
  for (const s of all) {
    for (const i of s.instructions) {
      if (i.getKeyword() !== 'RUN') continue;
      for (const [cmdline] of argsOf(i).matchAll(/\bnpm\s+(?:ci|install|prune)\b[^&|;]*/g)) {
        if (!/--ignore-scripts/.test(cmdline)) problems.push(`stage ${s.name}: '${cmdline.trim()}' runs install scripts (allowScripts says none may run): add --ignore-scripts`);
      }
    }
  }
  return problems;
}

/** Every dependency with an install script is denied in package.json's allowScripts, which is what the image's --ignore-scripts assumes. */
export function installScriptPolicyProblems(pkg: { allowScripts?: Record<string, boolean> }, lock: { packages: Record<string, { hasInstallScript?: boolean }> }): string[] {
  const problems: string[] = [];
  for (const [path, p] of Object.entries(lock.packages)) {
    if (!p.hasInstallScript || !path) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const rule = pkg.allowScripts?.[name];
    if (rule !== false) problems.push(`${name} has an install script and allowScripts says ${rule === undefined ? 'nothing' : String(rule)}: the image (npm ci --ignore-scripts) would differ from a local install; decide in allowScripts and the Dockerfile`);
  }
  return problems;
}

export function dockerignoreProblems(text: string): string[] {
  const lines = new Set(text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  return ['.git', '**/node_modules', '**/dist', '**/.env'].filter((p) => !lines.has(p)).map((p) => `.dockerignore does not exclude ${p}`);
}

// ---------------------------------------------------------------- Grafana

/** The metric names the worker exports (issue 18), and the process metrics of prom-client. */
export const SLUICE_METRICS = [
  'sluice_rows_read_total',
  'sluice_rows_written_total',
  'sluice_batch_commit_seconds',
  'sluice_active_jobs',
  'sluice_active_tables',
  'sluice_active_lanes',
  'sluice_activity_retries_total',
  'sluice_session_cache_size',
  'process_resident_memory_bytes',
] as const;

/** Every query names only known metrics (histogram series of sluice_batch_commit_seconds included), and every metric is on the board. */
export function grafanaProblems(text: string): string[] {
  let dash: Any;
  try {
    dash = JSON.parse(text);
  } catch (err) {
    return [`not JSON: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  const panels: Any[] = (dash.panels ?? []).flatMap((p: Any) => [p, ...(p.panels ?? [])]);
  const ids = panels.map((p) => p.id);
  if (new Set(ids).size !== ids.length) problems.push('panel ids are not unique');
  const known = new Set<string>(SLUICE_METRICS.flatMap((m) => (m === 'sluice_batch_commit_seconds' ? [`${m}_bucket`, `${m}_sum`, `${m}_count`] : [m])));
  const used = new Set<string>();
  for (const p of panels) {
    for (const t of p.targets ?? []) {
      const expr = String(t.expr ?? '');
      if (!expr) problems.push(`panel '${p.title}': a target without expr`);
      // PromQL syntax (Prometheus' own grammar), with Grafana's variables as Grafana would fill them.
      const filled = expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\{?[A-Za-z_]\w*\}?/g, '.*');
      let syntaxErrors = 0;
      promql.parse(filled).iterate({ enter: (n) => void (n.type.isError && syntaxErrors++) });
      if (syntaxErrors) problems.push(`panel '${p.title}': not valid PromQL: ${expr}`);
      for (const [m] of expr.matchAll(/\b(?:sluice|process)_[a-z_]+\b/g)) {
        if (!known.has(m)) problems.push(`panel '${p.title}': unknown metric ${m}`);
        used.add(m.replace(/_(bucket|sum|count)$/, (s) => (m.startsWith('sluice_batch_commit_seconds') ? '' : s)));
      }
      if (/_total\b/.test(expr) && !/\b(rate|increase)\(/.test(expr)) problems.push(`panel '${p.title}': a counter shown without rate()/increase()`);
    }
  }
  for (const m of SLUICE_METRICS) if (!used.has(m)) problems.push(`no panel shows ${m}`);
  return problems;
}
