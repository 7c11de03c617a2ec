import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// docker-compose.yml must stay valid: Debian's docker-compose (installed by
// scripts/setup.sh) checks it without a Docker engine.
const compose = process.env.DOCKER_COMPOSE;
const file = join(__dirname, '..', 'docker-compose.yml');
const run = compose ? describe : describe.skip;

/* eslint-disable @typescript-eslint/no-explicit-any -- the rendered compose file */
type Service = { command?: string[]; environment?: Record<string, string>; build?: { context: string; dockerfile?: string }; image?: string; profiles?: string[]; ports?: unknown[] };

/** What issue 18 asks of the Sluice services in a rendered (`docker-compose config`) file. */
function sluiceServiceProblems(rendered: { services: Record<string, Service> }, repo: string): string[] {
  const problems: string[] = [];
  const services = rendered.services ?? {};
  const command = (name: string) => (services[name]?.command ?? []).join(' ');
  const workers = Object.keys(services).filter((n) => command(n) === 'node worker/dist/main.js');
  if (workers.length < 2) problems.push(`${workers.length} worker service(s) run 'node worker/dist/main.js'; compose v1 ignores deploy.replicas, so two are needed`);
  const codec = Object.keys(services).find((n) => /^node cli\/dist\/bin\.js codec-server\b/.test(command(n)));
  if (!codec) problems.push("no service runs 'node cli/dist/bin.js codec-server'");
  else {
    if (!services[codec]!.environment?.SLUICE_CODEC_SERVER_TOKEN) problems.push(`${codec} has no SLUICE_CODEC_SERVER_TOKEN`);
    if (!/--host 0\.0\.0\.0/.test(command(codec))) problems.push(`${codec} binds the loopback address: unreachable from outside its container`);
  }
  const api = Object.keys(services).find((n) => command(n) === 'node api/dist/main.js');
  if (!api) problems.push("no service runs the REST server 'node api/dist/main.js'");
  for (const name of [...workers, codec, api].filter((n): n is string => !!n)) {
    const s = services[name]!;
    if (s.build?.context !== repo || (s.build?.dockerfile ?? 'Dockerfile') !== 'Dockerfile') problems.push(`${name} is not built from the repository's Dockerfile`);
    if (name !== codec && !s.environment?.SLUICE_CATALOG_URL) problems.push(`${name} has no SLUICE_CATALOG_URL: workers and the REST server share one catalog`);
    for (const key of name === codec ? ['SLUICE_CODEC_KEYS'] : ['SLUICE_CODEC_KEYS', 'SLUICE_CATALOG_KEYS']) {
      if (!s.environment?.[key]) problems.push(`${name} has no ${key}`);
    }
  }
  return problems;
}

/** The Temporal UI image's version against `temporal --version` ("… (Server 1.32.0, UI 2.54.1)"). */
function uiVersionProblem(rendered: { services: Record<string, Service> }, temporalVersion: string): string | null {
  const wanted = /\bUI (\d+\.\d+\.\d+)/.exec(temporalVersion)?.[1];
  if (!wanted) return `no UI version in '${temporalVersion.trim()}'`;
  const image = Object.values(rendered.services).map((s) => s.image ?? '').find((i) => /^temporalio\/ui:/.test(i));
  if (!image) return 'no temporalio/ui service';
  return image === `temporalio/ui:${wanted}` ? null : `${image}, but the dev server's UI is ${wanted}`;
}

run(`docker-compose.yml${compose ? '' : ' (skipped: DOCKER_COMPOSE not set; run scripts/setup.sh)'}`, () => {
  const configOf = (path: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) =>
    execFileSync(compose!, ['-f', path, 'config', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const config = (...args: string[]) => configOf(file, args);
  const repo = join(__dirname, '..');
  const source = readFileSync(file, 'utf8');
  /** A broken copy, rendered from the repository's root like the real one (build context `.`). */
  const renderCopy = (text: string) => {
    const copy = join(repo, `.docker-compose.broken-${process.pid}.yml`);
    writeFileSync(copy, text);
    try {
      return parse(configOf(copy));
    } finally {
      rmSync(copy, { force: true });
    }
  };

  test('`docker-compose config` accepts it', () => {
    expect(() => config('-q')).not.toThrow();
  });

  test('it brings up Temporal (server, UI, persistent store) and every engine, each with a health check', () => {
    const services = config('--services').trim().split('\n').sort();
    expect(services).toEqual(
      expect.arrayContaining(['db2', 'mariadb', 'mongodb', 'mssql', 'mysql', 'oracle', 'postgres', 'temporal', 'temporal-db', 'temporal-ui']),
    );
    const text = config();
    for (const service of ['temporal', 'temporal-db', 'postgres', 'mysql', 'mariadb', 'oracle', 'mssql', 'mongodb', 'db2']) {
      const block = text.split(/\n  (?=[a-z0-9-]+:\n)/).find((b) => b.startsWith(`${service}:\n`));
      expect({ service, healthcheck: /healthcheck:/.test(block ?? '') }).toEqual({ service, healthcheck: true });
    }
  });

  test('its published ports are the ones scripts/compose-env.sh hands to the suites', () => {
    const env = execFileSync('bash', [join(__dirname, '..', 'scripts', 'compose-env.sh')], { encoding: 'utf8' });
    const text = config();
    for (const [, port] of env.matchAll(/127\.0\.0\.1:(\d+)/g)) expect(text).toContain(`127.0.0.1:${port}:`);
  });

  test('profile sluice: two workers, the codec server and the REST server, built from the Dockerfile, with keys and the catalog', () => {
    expect(sluiceServiceProblems(parse(config()), repo)).toEqual([]);
    // Outside the profile, `docker-compose up` starts what the test matrix needs and no worker.
    const services = parse(config()).services as Record<string, Service>;
    for (const name of ['worker-1', 'worker-2', 'codec-server', 'api', 'catalog-db']) expect({ name, profiles: services[name]?.profiles }).toEqual({ name, profiles: ['sluice'] });
  });

  test('a broken copy is caught: one worker, no codec server, no REST server, a service not from the Dockerfile, an invalid key', () => {
    const noWorker2 = source.replace(/\n  worker-2:\n    <<: \*sluice-worker\n/, '\n');
    expect(noWorker2).not.toBe(source);
    expect(sluiceServiceProblems(renderCopy(noWorker2), repo)).toEqual([expect.stringContaining("1 worker service(s) run 'node worker/dist/main.js'")]);
    const noCodec = source.replace('"codec-server", "--host"', '"codec-serve", "--host"');
    expect(sluiceServiceProblems(renderCopy(noCodec), repo)).toEqual(["no service runs 'node cli/dist/bin.js codec-server'"]);
    const noApi = source.replace('command: ["node", "api/dist/main.js"]', 'command: ["node", "api/main.js"]');
    expect(sluiceServiceProblems(renderCopy(noApi), repo)).toEqual(["no service runs the REST server 'node api/dist/main.js'"]);
    const otherImage = source.replace('    dockerfile: Dockerfile\n', '    dockerfile: Dockerfile.dev\n');
    expect(sluiceServiceProblems(renderCopy(otherImage), repo)).toEqual(expect.arrayContaining(["worker-1 is not built from the repository's Dockerfile"]));
    const invalid = source.replace('  stop_grace_period: 45s\n', '  stop_grace_periods: 45s\n');
    expect(() => renderCopy(invalid)).toThrow(/stop_grace_periods/);
  });

  test('keys, token and catalog password come from the environment; the defaults say TEST-ONLY', () => {
    const env = { SLUICE_CODEC_KEYS: 'k9:from-env-codec', SLUICE_CATALOG_KEYS: 'k9:from-env-catalog', SLUICE_CODEC_SERVER_TOKEN: 'from-env-token-0123456789', SLUICE_CATALOG_DB_PASSWORD: 'from-env-pw' };
    const services = parse(configOf(file, [], env)).services as Record<string, Service>;
    for (const name of ['worker-1', 'worker-2', 'api']) {
      expect(services[name]!.environment).toMatchObject({ SLUICE_CODEC_KEYS: env.SLUICE_CODEC_KEYS, SLUICE_CATALOG_KEYS: env.SLUICE_CATALOG_KEYS, SLUICE_CATALOG_URL: expect.stringContaining(':from-env-pw@catalog-db:') });
    }
    expect(services['codec-server']!.environment).toEqual({ SLUICE_CODEC_KEYS: env.SLUICE_CODEC_KEYS, SLUICE_CODEC_SERVER_TOKEN: env.SLUICE_CODEC_SERVER_TOKEN });
    expect(services['temporal-ui']!.environment!.TEMPORAL_CODEC_ENDPOINT).toBe(`http://localhost:8888/${env.SLUICE_CODEC_SERVER_TOKEN}`);
    // Without them, the published defaults, each marked as such.
    const unset = Object.fromEntries(Object.keys(env).map((k) => [k, undefined]));
    const defaults = parse(configOf(file, [], unset)).services as Record<string, Service>;
    for (const value of [defaults['worker-1']!.environment!.SLUICE_CATALOG_URL, defaults['codec-server']!.environment!.SLUICE_CODEC_SERVER_TOKEN]) expect(value).toMatch(/TEST-ONLY/);
    for (const key of ['SLUICE_CODEC_KEYS', 'SLUICE_CATALOG_KEYS']) expect(defaults['worker-1']!.environment![key]).toMatch(/^test-only:/);
  });

  const temporalCli = process.env.TEMPORAL_CLI;
  (temporalCli ? test : test.skip)(`the Temporal UI image is the dev server's UI version${temporalCli ? '' : ' (skipped: TEMPORAL_CLI not set)'}`, () => {
    const version = execFileSync(temporalCli!, ['--version'], { encoding: 'utf8' });
    expect(uiVersionProblem(parse(config()), version)).toBeNull();
    expect(uiVersionProblem(renderCopy(source.replace(/temporalio\/ui:[\d.]+/, 'temporalio/ui:2.34.0')), version)).toMatch(/^temporalio\/ui:2\.34\.0, but the dev server's UI is \d/);
    expect(uiVersionProblem(parse(config()), 'temporal version 1.9.1 (Server 1.32.0, UI 2.99.0)')).toMatch(/but the dev server's UI is 2\.99\.0/);
  });
});
