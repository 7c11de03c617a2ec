import autocannon from 'autocannon';
import { freshCatalogDatabase } from './helpers/catalog-db';
import { pgUrl } from './helpers/databases';
import { startRestApi, type RestApi } from './helpers/rest-api';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

// A bounded load test on loopback: GET of a job and of a schema status under 16 connections, no
// error, no non-2xx, no timeout. The rate and latency it prints are figures, not assertions (a
// timed assertion fails whenever jest's other files share the two cores: 966 requests/s in a CI run
// against 3,275 alone); run alone, `npx jest test/rest-api-load.test.ts` is the measurement in
// bench/README.md (≥ 1,000 requests/s, p99 < 50 ms there).

let catalogDb: Awaited<ReturnType<typeof freshCatalogDatabase>>;
let env: TestTemporal;
let api: RestApi;
beforeAll(async () => {
  catalogDb = await freshCatalogDatabase();
  process.env.SLUICE_CATALOG_URL = catalogDb.url;
  env = await startTestTemporal();
  api = await startRestApi(env, { tokenCacheMs: 5_000, rateLimit: false }); // the limit is tested elsewhere: here it would answer 429s
});
afterAll(async () => {
  await api?.close();
  await env?.stop();
  await catalogDb?.drop();
});

async function load(path: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: api.base + path, connections: 16, duration: seconds, headers: { authorization: `Bearer ${api.tokens.read}` } });
}

test('GET a job and a schema status under load: every answer 2xx, no error, no timeout', async () => {
  const created = await api.call('POST', '/v1/management/connections', { body: { configName: 'load-db', url: pgUrl() } });
  const connection = created.body.id as string;
  const refresh = await api.call('POST', `/rest/catalogDatabase/v1/databaseConnections/refresh?edgeConnectionId=${connection}`);
  const location = refresh.headers.get('location')!;
  const jobId = (await api.client.catalog.store().then((c) => c.findJobRef(refresh.body.id)))!.workflowId;
  await api.client.waitForJob(jobId);
  for (const [name, path] of [
    ['job (Sluice)', `/v1/jobs/${jobId}`],
    ['job (Collibra)', location],
    ['schema status (Polytomic)', `/api/connections/${connection}/schemas/status`],
  ] as const) {
    await load(path, 1); // warm-up
    const r = await load(path, 5);
    process.stdout.write(`${name}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.errors} errors, ${r.non2xx} non-2xx\n`);
    expect({ name, errors: r.errors, non2xx: r.non2xx, timeouts: r.timeouts }).toEqual({ name, errors: 0, non2xx: 0, timeouts: 0 });
    expect(r.requests.total).toBeGreaterThan(0);
  }
});
