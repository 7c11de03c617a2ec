import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  dockerfileProblems,
  dockerignoreProblems,
  grafanaProblems,
  SLUICE_METRICS,
  installScriptPolicyProblems,
  K8sSchemaValidator,
  k8sConsistencyProblems,
  k8sFiles,
  kustomizationProblems,
  loadK8sDocs,
  repoRoot,
  workerDeploymentProblems,
  type K8sDoc,
} from './helpers/deploy-checks';

// The deployment files, checked without Docker or a cluster (neither runs here):
// the Dockerfile parsed and linted, the Kubernetes manifests against the strict
// JSON schemas of their kinds (kubeconform's method, schemas from PyPI's
// kubernetes-validate: scripts/install-kubernetes-schemas.sh) and against each
// other, the Grafana board against the metric names. Each check also gets a
// broken copy, so none of them passes whatever it is given.

const read = (...p: string[]) => readFileSync(join(repoRoot, ...p), 'utf8');
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('Dockerfile', () => {
  const text = read('Dockerfile');

  test('multi-stage on a pinned Node 20 slim base; runtime non-root, production dependencies only, CMD the worker', () => {
    expect(dockerfileProblems(text)).toEqual([]);
  });

  test('a broken copy is caught: root user, one stage, another CMD, dev dependencies, install scripts, a typo', () => {
    const cases: [string, string, RegExp][] = [
      ['no USER', text.replace(/^USER .*$/m, ''), /no USER/],
      ['USER root', text.replace(/^USER .*$/m, 'USER root'), /runs as root/],
      ['USER by name', text.replace(/^USER .*$/m, 'USER node'), /numeric uid/],
      ['CMD shell form', text.replace(/^CMD .*$/m, 'CMD node worker/dist/main.js'), /not \["node", "worker\/dist\/main.js"\]/],
      ['no CMD', text.replace(/^CMD .*$/m, ''), /CMD is missing/],
      ['single stage', 'FROM node:20.20.2-bookworm-slim\nUSER 1000\nCMD ["node", "worker/dist/main.js"]\n', /not a multi-stage build/],
      ['unpinned base', text.replace(/^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=node:20-slim'), /not node:20/],
      ['full base', text.replace(/^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=node:20.20.2-bookworm'), /not node:20/],
      ['dev deps shipped', text.replace('RUN npm ci --omit=dev', 'RUN npm ci'), /--omit=dev/],
      ['build stage copied whole', text.replace('COPY --from=build /out/ ./', 'COPY --from=build /app/ ./'), /copies node_modules from build, which has dev dependencies/],
      ['runtime installs', text.replace(/^USER /m, 'RUN npm ci --ignore-scripts\nUSER '), /installs packages itself/],
      ['install scripts run', text.replace('npm ci --no-audit --no-fund --ignore-scripts', 'npm ci --no-audit --no-fund'), /add --ignore-scripts/],
      ['misspelt instruction', text.replace(/^WORKDIR \/app$/m, 'WORKDI /app'), /Unknown instruction: WORKDI/],
    ];
    for (const [name, broken, expected] of cases) {
      expect(broken).not.toBe(text);
      expect({ name, problems: dockerfileProblems(broken).join('\n') }).toEqual({ name, problems: expect.stringMatching(expected) });
    }
  });

  test('--ignore-scripts is the repository policy: every dependency with an install script is false in allowScripts', () => {
    const pkg = JSON.parse(read('package.json'));
    const lock = JSON.parse(read('package-lock.json'));
    expect(installScriptPolicyProblems(pkg, lock)).toEqual([]);
    const allowed = clone(pkg);
    allowed.allowScripts.oracledb = true;
    expect(installScriptPolicyProblems(allowed, lock)).toEqual([expect.stringContaining('oracledb has an install script and allowScripts says true')]);
    const missing = clone(pkg);
    delete missing.allowScripts.ssh2;
    expect(installScriptPolicyProblems(missing, lock)).toEqual([expect.stringContaining('ssh2 has an install script and allowScripts says nothing')]);
  });

  test('.dockerignore keeps local installs, history and env files out of the build context', () => {
    const text = read('.dockerignore');
    expect(dockerignoreProblems(text)).toEqual([]);
    expect(dockerignoreProblems(text.replace('**/node_modules\n', ''))).toEqual(['.dockerignore does not exclude **/node_modules']);
  });
});

describe('deploy/kubernetes', () => {
  const files = k8sFiles();
  const { docs, problems: parseProblems } = loadK8sDocs(files);
  const kinds = docs.map((d) => `${d.object.kind}/${d.object.metadata?.name ?? ''}`).sort();

  test('parses, and holds the worker (Deployment, HPA, PDB), the REST and codec servers (Deployment + Service), Secrets and a ConfigMap', () => {
    expect(parseProblems).toEqual([]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Deployment/sluice-worker',
        'HorizontalPodAutoscaler/sluice-worker',
        'PodDisruptionBudget/sluice-worker',
        'Deployment/sluice-api',
        'Service/sluice-api',
        'Deployment/sluice-codec-server',
        'Service/sluice-codec-server',
        'Secret/sluice-keys',
        'ConfigMap/sluice-config',
      ]),
    );
  });

  test('the objects agree with each other: selectors, ports, env references, $(VARS), non-root, placeholder Secrets', () => {
    expect(k8sConsistencyProblems(docs)).toEqual([]);
    expect(kustomizationProblems(docs, files.map((f) => f.file))).toEqual([]);
    expect(workerDeploymentProblems(docs)).toEqual([]);
  });

  test('a broken copy is caught by those checks', () => {
    const edit = (f: (o: Record<string, any>) => void, kind: string, name: string): K8sDoc[] =>
      clone(docs).map((d) => {
        if (d.object.kind === kind && d.object.metadata?.name === name) f(d.object);
        return d;
      });
    const worker = (o: Record<string, any>) => o.spec.template.spec.containers[0];
    const cases: [string, K8sDoc[], RegExp][] = [
      ['service selector', edit((o) => (o.spec.selector = { 'app.kubernetes.io/name': 'sluice-apj' }), 'Service', 'sluice-api'), /matches no Deployment/],
      ['service port', edit((o) => (o.spec.ports[0].targetPort = 'htp'), 'Service', 'sluice-codec-server'), /targetPort htp/],
      ['hpa target', edit((o) => (o.spec.scaleTargetRef.name = 'sluice-workers'), 'HorizontalPodAutoscaler', 'sluice-worker'), /scaleTargetRef Deployment sluice-workers/],
      ['secret key', edit((o) => (worker(o).env.find((e: any) => e.name === 'SLUICE_CODEC_KEYS').valueFrom.secretKeyRef.key = 'CODEC_KEYS'), 'Deployment', 'sluice-codec-server'), /key CODEC_KEYS/],
      ['$(VAR)', edit((o) => worker(o).args.push('$(SLUICE_NOT_SET)'), 'Deployment', 'sluice-codec-server'), /\$\(SLUICE_NOT_SET\)/],
      ['root', edit((o) => delete o.spec.template.spec.securityContext.runAsNonRoot, 'Deployment', 'sluice-api'), /runAsNonRoot/],
      ['real key', edit((o) => (o.stringData.SLUICE_CODEC_KEYS = 'k1:c2x1aWNlLVRFU1QtT05MWS1jb2RlYy1rZXktMzItYnk='), 'Secret', 'sluice-keys'), /not a placeholder/],
      ['probe port', edit((o) => (worker(o).readinessProbe.httpGet.port = 'metric'), 'Deployment', 'sluice-worker'), /port metric/],
    ];
    for (const [name, broken, expected] of cases) {
      expect({ name, problems: k8sConsistencyProblems(broken).join('\n') }).toEqual({ name, problems: expect.stringMatching(expected) });
    }
    const workerCases: [string, K8sDoc[], RegExp][] = [
      ['readyz path', edit((o) => (worker(o).readinessProbe.httpGet.path = '/ready'), 'Deployment', 'sluice-worker'), /readinessProbe is not GET \/readyz/],
      ['healthz port', edit((o) => (worker(o).livenessProbe.httpGet.port = 8080), 'Deployment', 'sluice-worker'), /livenessProbe is not GET \/healthz on 9464/],
      ['memory', edit((o) => (worker(o).resources.limits.memory = '512Mi'), 'Deployment', 'sluice-worker'), /not the measured 512Mi request \/ 1Gi limit/],
      ['grace', edit((o) => (o.spec.template.spec.terminationGracePeriodSeconds = 20), 'Deployment', 'sluice-worker'), /below the worker's terminationGracePeriodSeconds \(20\)/],
      ['command', edit((o) => (worker(o).args = ['node', 'cli/dist/bin.js']), 'Deployment', 'sluice-worker'), /not 'node worker\/dist\/main.js'/],
    ];
    for (const [name, broken, expected] of workerCases) {
      expect({ name, problems: workerDeploymentProblems(broken).join('\n') }).toEqual({ name, problems: expect.stringMatching(expected) });
    }
    expect(kustomizationProblems(docs, [...files.map((f) => f.file), 'extra.yaml'])).toEqual(['kustomization.yaml: extra.yaml is not in resources']);
  });

  const schemaRoot = process.env.SLUICE_K8S_SCHEMAS;
  const versions = schemaRoot ? readdirSync(schemaRoot).filter((d) => /^v[\d.]+-local-strict$/.test(d)).sort() : [];
  const withSchemas = versions.length ? describe : describe.skip;
  withSchemas(`against the strict Kubernetes JSON schemas${versions.length ? ` (${versions.join(', ')})` : ' (skipped: SLUICE_K8S_SCHEMAS not set; run scripts/setup.sh)'}`, () => {
    const validators = new Map(versions.map((v) => [v, new K8sSchemaValidator(join(schemaRoot!, v))]));

    test.each(versions)('%s: every object validates', (v) => {
      expect(validators.get(v)!.problems(docs)).toEqual([]);
    });

    test('a broken copy fails: a misspelt field, a wrong type, a missing required field, an unknown kind or version', () => {
      const validator = validators.get(versions[versions.length - 1]!)!;
      const break_ = (kind: string, f: (o: any) => void): K8sDoc[] => {
        const copy = clone(docs.filter((d) => d.object.kind === kind).slice(0, 1));
        f(copy[0]!.object);
        return copy;
      };
      const cases: [string, K8sDoc[], RegExp][] = [
        ['misspelt field', break_('Deployment', (o) => (o.spec.template.spec.containers[0].readinesProbe = o.spec.template.spec.containers[0].readinessProbe)), /must NOT have additional properties \(readinesProbe\)/],
        ['wrong type', break_('Deployment', (o) => (o.spec.replicas = 'two')), /\/spec\/replicas must be integer/],
        ['missing required', break_('Deployment', (o) => delete o.spec.template.spec.containers[0].name), /must have required property 'name'/],
        ['label not a string', break_('Service', (o) => (o.metadata.labels.tier = 3)), /\/metadata\/labels\/tier must be string/],
        ['HPA target shape', break_('HorizontalPodAutoscaler', (o) => (o.spec.metrics[0].resource.target.averageUtilization = '70%')), /averageUtilization must be integer/],
        ['removed API', break_('HorizontalPodAutoscaler', (o) => (o.apiVersion = 'autoscaling/v2beta1')), /no schema for autoscaling\/v2beta1 HorizontalPodAutoscaler/],
        ['unknown kind', break_('Secret', (o) => (o.kind = 'Secrets')), /no schema for v1 Secrets/],
      ];
      for (const [name, broken, expected] of cases) {
        expect({ name, problems: validator.problems(broken).join('\n') }).toEqual({ name, problems: expect.stringMatching(expected) });
      }
    });
  });
});

describe('deploy/grafana', () => {
  const text = read('deploy', 'grafana', 'sluice-workers.json');

  test('the board queries the worker metrics by their names, every one of them, counters through rate(), in valid PromQL', () => {
    expect(grafanaProblems(text)).toEqual([]);
  });

  test('every metric the board knows is one the worker exports (a rename in the worker breaks this)', async () => {
    const { WorkerMetrics } = await import('@sluice/worker');
    const exported = (await new WorkerMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(SLUICE_METRICS.filter((name) => !exported.includes(name))).toEqual([]);
  });

  test('a broken copy is caught: a misspelt metric, a counter without rate(), a metric left off, not JSON, bad PromQL', () => {
    expect(grafanaProblems(text.replace('sluice_rows_read_total', 'sluice_row_read_total'))).toEqual(
      expect.arrayContaining([expect.stringContaining('unknown metric sluice_row_read_total'), 'no panel shows sluice_rows_read_total']),
    );
    const dash = JSON.parse(text);
    const retries = dash.panels.find((p: any) => p.title === 'Retries by cause');
    retries.targets[0].expr = 'sum by (cause) (sluice_activity_retries_total)';
    expect(grafanaProblems(JSON.stringify(dash))).toEqual([expect.stringContaining("'Retries by cause': a counter shown without rate()")]);
    dash.panels = dash.panels.filter((p: any) => !JSON.stringify(p.targets ?? []).includes('sluice_session_cache_size'));
    expect(grafanaProblems(JSON.stringify(dash))).toEqual(expect.arrayContaining(['no panel shows sluice_session_cache_size']));
    expect(grafanaProblems(text.slice(0, -10))).toEqual([expect.stringMatching(/^not JSON/)]);
    const unbalanced = JSON.parse(text);
    const latency = unbalanced.panels.find((p: any) => p.title === 'Batch commit latency');
    latency.targets[0].expr = latency.targets[0].expr.replace(/\)\)\)$/, '))');
    expect(grafanaProblems(JSON.stringify(unbalanced))).toEqual([expect.stringContaining("'Batch commit latency': not valid PromQL: histogram_quantile(0.5")]);
  });
});
