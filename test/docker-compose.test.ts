import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// docker-compose.yml must stay valid: Debian's docker-compose (installed by
// scripts/setup.sh) checks it without a Docker engine.
const compose = process.env.DOCKER_COMPOSE;
const file = join(__dirname, '..', 'docker-compose.yml');
const run = compose ? describe : describe.skip;

run(`docker-compose.yml${compose ? '' : ' (skipped: DOCKER_COMPOSE not set; run scripts/setup.sh)'}`, () => {
  const config = (...args: string[]) => execFileSync(compose!, ['-f', file, 'config', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

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
});
