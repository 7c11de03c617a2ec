import { createServer, type Socket } from 'node:net';
import { pgUrl } from './helpers/databases';
import { seedSchemas, useRestApi } from './helpers/rest-api';
import { pgUrlFor } from './helpers/sync-fixtures';

// Jobs over the REST API, on a real socket, real Temporal and worker, real PostgreSQL:
// Collibra's refreshes (202 + Location → poll → COMPLETED), Sluice's syncs (idempotent start,
// 409 on the connection while one runs, cancel → CANCELED).

const rest = useRestApi('restjobs', 100_000);
const world = rest.world;

const collibra = seedSchemas('collibra');
const lerian = seedSchemas('lerian');
const DB = '/rest/catalogDatabase/v1';

/** Follows a Location until the job ends; every answer is checked against the schema. */
async function pollUntilEnded(location: string, check: (body: unknown) => void, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await rest.api.call('GET', location, { token: 'read' });
    expect(res.status).toBe(200);
    check(res.body);
    if (['COMPLETED', 'CANCELED', 'ERROR'].includes(res.body.state)) return res.body;
    if (Date.now() > deadline) throw new Error(`job at ${location} still ${res.body.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('Collibra: refresh database and schema connections → 202 + Location → poll → COMPLETED; lists, gets and errors match the seed', async () => {
  const edge = await rest.api.connection('rest-edge', pgUrl());
  const started = await rest.api.call('POST', `${DB}/databaseConnections/refresh?edgeConnectionId=${edge}`, { token: 'write' });
  expect(started.status).toBe(202);
  collibra('Job', started.body);
  expect(started.headers.get('location')).toBe(`/rest/2.0/jobs/${started.body.id}`);
  expect(started.body).toMatchObject({ resourceType: 'Job', type: 'REFRESH_DATABASES', state: expect.stringMatching(/WAITING|RUNNING|COMPLETED/) });
  const done = await pollUntilEnded(started.headers.get('location')!, (b) => collibra('Job', b));
  expect(done).toMatchObject({ id: started.body.id, state: 'COMPLETED', progressPercentage: 100, startDate: expect.any(Number), endDate: expect.any(Number) });
  expect(done.endDate).toBeGreaterThanOrEqual(done.startDate);

  // Idempotency-Key: the same key answers the job it started, even once it ended; another key starts another run.
  const keyed = await rest.api.call('POST', `${DB}/databaseConnections/refresh?edgeConnectionId=${edge}`, { token: 'write', headers: { 'idempotency-key': 'refresh-1' } });
  expect(keyed.status).toBe(202);
  expect(keyed.body.id).not.toBe(started.body.id);
  await pollUntilEnded(keyed.headers.get('location')!, (b) => collibra('Job', b));
  const repeated = await rest.api.call('POST', `${DB}/databaseConnections/refresh?edgeConnectionId=${edge}`, { token: 'write', headers: { 'idempotency-key': 'refresh-1' } });
  expect(repeated.status).toBe(202);
  expect(repeated.body).toMatchObject({ id: keyed.body.id, state: 'COMPLETED' });
  expect(repeated.headers.get('location')).toBe(keyed.headers.get('location'));
  const elsewhere = await rest.api.call('POST', `${DB}/schemaConnections/refresh?databaseConnectionId=${edge}`, { token: 'write', headers: { 'idempotency-key': 'refresh-1' } });
  expect(elsewhere.status).toBe(422);
  expect(elsewhere.body).toMatchObject({ statusCode: 422, errorCode: 'SLC-1023' });
  const otherKey = await rest.api.call('POST', `${DB}/databaseConnections/refresh?edgeConnectionId=${edge}`, { token: 'write', headers: { 'idempotency-key': 'refresh-2' } });
  expect(otherKey.body.id).not.toBe(keyed.body.id);
  await pollUntilEnded(otherKey.headers.get('location')!, (b) => collibra('Job', b));

  const list = await rest.api.call('GET', `${DB}/databaseConnections?edgeConnectionId=${edge}&limit=500`, { token: 'read' });
  expect(list.status).toBe(200);
  collibra('DatabaseConnectionPagedResponse', list.body);
  const testDb = list.body.results.find((d: { name: string }) => d.name === new URL(pgUrl()).pathname.slice(1));
  expect(testDb).toMatchObject({ edgeConnectionId: edge, databaseId: expect.any(String) });
  const one = await rest.api.call('GET', `${DB}/databaseConnections/${testDb.id}`, { token: 'read' });
  expect(one.status).toBe(200);
  collibra('DatabaseConnection', one.body);
  expect(one.body).toEqual(testDb);
  // limit 0 (or none) is Collibra's default page.
  expect((await rest.api.call('GET', `${DB}/databaseConnections?edgeConnectionId=${edge}&limit=0`, { token: 'read' })).body).toMatchObject({ offset: 0, limit: 100, total: list.body.total });
  const page = await rest.api.call('GET', `${DB}/databaseConnections?edgeConnectionId=${edge}&offset=1&limit=1`, { token: 'read' });
  expect(page.body.results).toEqual([list.body.results[1]]);

  const schemas = await rest.api.call('POST', `${DB}/schemaConnections/refresh?databaseConnectionId=${testDb.id}`, { token: 'write' });
  expect(schemas.status).toBe(202);
  collibra('Job', schemas.body);
  expect(await pollUntilEnded(schemas.headers.get('location')!, (b) => collibra('Job', b))).toMatchObject({ type: 'REFRESH_SCHEMAS', state: 'COMPLETED' });
  const schemaList = await rest.api.call('GET', `${DB}/schemaConnections?databaseConnectionId=${testDb.id}`, { token: 'read' });
  collibra('SchemaConnectionPagedResponse', schemaList.body);
  const src = schemaList.body.results.find((s: { name: string }) => s.name === world.src);
  expect(src).toMatchObject({ databaseConnectionId: testDb.id, schemaId: expect.any(String) });
  const bySchemaId = await rest.api.call('GET', `${DB}/schemaConnections?schemaId=${src.schemaId}`, { token: 'read' });
  expect(bySchemaId.body.results).toEqual([src]);
  const schemaOne = await rest.api.call('GET', `${DB}/schemaConnections/${src.id}`, { token: 'read' });
  collibra('SchemaConnection', schemaOne.body);
  expect((await rest.api.call('GET', `${DB}/databaseConnections?schemaConnectionId=${src.id}`)).body.results).toEqual([testDb]);

  // Errors in Collibra's StandardErrorResponse.
  for (const [path, status, field] of [
    [`${DB}/databaseConnections?limit=501`, 400, 'limit'],
    [`${DB}/databaseConnections?edgeConnectionId=nope`, 400, 'edgeConnectionId'],
    [`${DB}/databaseConnections/0b7e2c9a-1f0e-4c4e-9a57-3c1f0d1e2a3b`, 404, 'id'],
    [`${DB}/schemaConnections/not-a-uuid`, 400, 'schemaConnectionId'],
    ['/rest/2.0/jobs/0b7e2c9a-1f0e-4c4e-9a57-3c1f0d1e2a3b', 404, 'id'],
  ] as const) {
    const res = await rest.api.call('GET', path, { token: 'read' });
    expect([path, res.status]).toEqual([path, status]);
    collibra('StandardErrorResponse', res.body);
    expect(res.body.statusCode).toBe(status);
    expect(res.body.helpMessage).toBe(`Field: ${field}`);
  }
  const missing = await rest.api.call('POST', `${DB}/schemaConnections/refresh`, { token: 'write' });
  expect(missing.status).toBe(400);
  expect(missing.body).toMatchObject({ errorCode: 'SLC-0001', userMessage: expect.stringContaining('databaseConnectionId') });
  expect((await rest.api.call('POST', `${DB}/databaseConnections/refresh?edgeConnectionId=${edge}`, { token: 'read' })).status).toBe(403);
  // A job that ended cannot be cancelled.
  const late = await rest.api.call('POST', `/rest/2.0/jobs/${started.body.id}/cancel`, { token: 'write' });
  expect(late.status).toBe(409);
  collibra('StandardErrorResponse', late.body);
});

test('Sluice /v1: a sync started with an Idempotency-Key; 409 on its connections while it runs; cancel via REST → CANCELED', async () => {
  const source = await rest.api.connection('rest-src', pgUrlFor(world.src));
  const destination = await rest.api.connection('rest-dst', pgUrlFor(world.dst));
  const body = { source: { connectionId: source }, destination: { connectionId: destination }, tables: [{ schema: world.src, name: 'items' }], createTables: true, batchSize: 100 };
  const first = await rest.api.call('POST', '/v1/syncs', { token: 'write', body, headers: { 'idempotency-key': 'order-42' } });
  expect(first.status).toBe(202);
  const id = first.body.id as string;
  expect(first.headers.get('location')).toBe(`/v1/jobs/${id}`);
  expect(first.body).toMatchObject({ type: 'SYNC', state: expect.stringMatching(/WAITING|RUNNING/) });
  const again = await rest.api.call('POST', '/v1/syncs', { token: 'write', body, headers: { 'idempotency-key': 'order-42' } });
  expect(again.status).toBe(202);
  expect(again.body.id).toBe(id);
  // The same key with another request is refused, not answered with a job it did not ask for.
  const reused = await rest.api.call('POST', '/v1/syncs', { token: 'write', body: { ...body, batchSize: 200 }, headers: { 'idempotency-key': 'order-42' } });
  expect(reused.status).toBe(422);
  expect(reused.body).toMatchObject({ code: 'SLC-1023', title: 'Idempotency Key Reused', field: 'Idempotency-Key', message: expect.stringContaining(id) });
  // The same request with its fields in another order is the same request.
  const reordered = Object.fromEntries(Object.entries(body).reverse());
  expect((await rest.api.call('POST', '/v1/syncs', { token: 'write', body: reordered, headers: { 'idempotency-key': 'order-42' } })).body.id).toBe(id);
  // Another token's key is its own.
  const other = await rest.api.call('POST', '/v1/syncs', { token: 'admin', body: { ...body, destination: { connectionId: source }, tables: [{ schema: world.src, name: 'no_such_table' }] }, headers: { 'idempotency-key': 'order-42' } });
  expect(other.status).toBe(202);
  expect(other.body.id).not.toBe(id);

  // Once visibility lists the job as running on the connection, PATCH and DELETE are refused.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const running = await rest.api.call('GET', `/v1/jobs?state=RUNNING&connection=${source}`, { token: 'read' });
    expect(running.status).toBe(200);
    if (running.body.results.some((j: { id: string }) => j.id === id)) break;
    if (Date.now() > deadline) throw new Error('the sync never listed as running');
    await new Promise((r) => setTimeout(r, 100));
  }
  const patch = await rest.api.call('PATCH', `/v1/management/connections/${source}`, { body: { port: 5433 } });
  expect(patch.status).toBe(409);
  lerian('Error', patch.body);
  expect(patch.body).toMatchObject({ code: 'SLC-1021', title: 'Job In Progress', message: expect.stringContaining(id) });
  const del = await rest.api.call('DELETE', `/v1/management/connections/${destination}`);
  expect(del.status).toBe(409);
  expect(del.body.code).toBe('SLC-1021');

  const job = await rest.api.call('GET', `/v1/jobs/${id}`, { token: 'read' });
  expect(job.status).toBe(200);
  expect(job.body).toMatchObject({ id, type: 'SYNC', state: 'RUNNING', tablesTotal: expect.any(Number) });
  expect((await rest.api.call('POST', `/v1/jobs/${id}/cancel`, { token: 'read' })).status).toBe(403);
  const cancel = await rest.api.call('POST', `/v1/jobs/${id}/cancel`, { token: 'write' });
  expect(cancel.status).toBe(202);
  expect(cancel.body.state).toMatch(/RUNNING|CANCELING|CANCELED/);
  const ended = await pollUntilEnded(`/v1/jobs/${id}`, () => undefined, 60_000);
  expect(ended).toMatchObject({ id, state: 'CANCELED' });
  expect(ended.rowsWritten).toBeLessThan(100_000);
  const late = await rest.api.call('POST', `/v1/jobs/${id}/cancel`, { token: 'write' });
  expect(late.status).toBe(409);
  expect(late.body).toMatchObject({ code: 'SLC-1022', title: 'Job Ended' });

  const listed = await rest.api.call('GET', '/v1/jobs?type=SYNC&limit=10', { token: 'read' });
  expect(listed.body.results.map((j: { id: string }) => j.id)).toEqual(expect.arrayContaining([id, other.body.id]));
  // Once nothing runs on it, the connection can be changed again (visibility catches up within seconds).
  const until = Date.now() + 15_000;
  let status = 0;
  while (status !== 200 && Date.now() < until) {
    status = (await rest.api.call('PATCH', `/v1/management/connections/${source}`, { body: { metadata: { after: 'cancel' } } })).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 200));
  }
  expect(status).toBe(200);
});

test('Sluice /v1 errors: validation names the field, unknown jobs and connections are 404', async () => {
  const neither = await rest.api.call('POST', '/v1/syncs', { token: 'write', body: { source: { connectionId: 'a' }, destination: { connectionId: 'b' } } });
  expect(neither.status).toBe(400);
  expect(neither.body).toMatchObject({ code: 'SLC-0002', field: 'tables', message: expect.stringContaining("either 'tables' or 'schema'") });
  const badMode = await rest.api.call('POST', '/v1/syncs', { token: 'write', body: { source: { connectionId: 'a' }, destination: { connectionId: 'b' }, schema: 's', mode: 'merge' } });
  expect(badMode.body).toMatchObject({ code: 'SLC-0002', field: 'mode' });
  const noSource = await rest.api.call('POST', '/v1/syncs', { token: 'write', body: { destination: { connectionId: 'b' }, schema: 's' } });
  expect(noSource.body).toMatchObject({ code: 'SLC-0001', field: 'source' });
  // A connection its connector refuses is named, field by field, before any job starts.
  const badUrl = await rest.api.call('POST', '/v1/syncs', { token: 'write', body: { source: { url: 'postgresql://u:p@db.example:99999/x' }, destination: { connectionId: 'b' }, schema: 's' } });
  expect(badUrl.status).toBe(400);
  expect(badUrl.body).toMatchObject({ code: 'SLC-0002', field: expect.stringMatching(/^source/) });
  expect(JSON.stringify(badUrl.body)).not.toContain('u:p@');
  const unknownConnection = await rest.api.call('POST', '/v1/syncs', { token: 'write', body: { source: { connectionId: 'no-such-connection' }, destination: { connectionId: 'b' }, schema: 's' } });
  expect(unknownConnection.status).toBe(404);
  lerian('Error', unknownConnection.body);
  const unknownJob = await rest.api.call('GET', '/v1/jobs/sync-that-never-was', { token: 'read' });
  expect(unknownJob.status).toBe(404);
  lerian('Error', unknownJob.body);
  expect((await rest.api.call('POST', '/v1/jobs/sync-that-never-was/cancel', { token: 'write' })).status).toBe(404);
  // Cursor pagination: pages of 2 follow nextCursor to the end, the same jobs in the same order as one page.
  const tested = await rest.api.connection('page-db', pgUrl());
  for (let i = 0; i < 5; i++) expect((await rest.api.call('POST', `/v1/management/connections/${tested}/test`, { token: 'write' })).status).toBe(200);
  let all: any;
  const deadline = Date.now() + 15_000;
  do {
    all = await rest.api.call('GET', '/v1/jobs?type=TEST_CONNECTION&limit=500', { token: 'read' });
    if (all.body.results.length < 5) await new Promise((r) => setTimeout(r, 100));
  } while (all.body.results.length < 5 && Date.now() < deadline);
  expect(all.body.results).toHaveLength(5);
  expect(all.body.nextCursor).toBeNull();
  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await rest.api.call('GET', `/v1/jobs?type=TEST_CONNECTION&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: 'read' });
    expect(page.status).toBe(200);
    expect(page.body.results.length).toBeLessThanOrEqual(2);
    paged.push(...page.body.results.map((j: { id: string }) => j.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(paged).toEqual(all.body.results.map((j: { id: string }) => j.id));
  const second = (await rest.api.call('GET', '/v1/jobs?type=TEST_CONNECTION&limit=2', { token: 'read' })).body.nextCursor as string;
  for (const bad of ['bm90LWEtY3Vyc29y', `x${second}`, second.replace(/\.(.)/, (_, c: string) => `.${c === 'a' ? 'b' : 'a'}`)]) {
    const res = await rest.api.call('GET', `/v1/jobs?type=TEST_CONNECTION&cursor=${bad}`, { token: 'read' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'SLC-0002', field: 'cursor' });
  }
  // A cursor of another filter is refused too.
  expect((await rest.api.call('GET', `/v1/jobs?type=SYNC&cursor=${second}`, { token: 'read' })).status).toBe(400);
  const badFilter = await rest.api.call('GET', '/v1/jobs?state=SLEEPING', { token: 'read' });
  expect(badFilter.body).toMatchObject({ code: 'SLC-0002', field: 'state' });
});

test('Sluice /v1 schedules: create (sync and refresh), get, list, pause, unpause, trigger → a job, delete; errors name the field', async () => {
  const source = await rest.api.connection('sched-src', pgUrlFor(world.src));
  const destination = await rest.api.connection('sched-dst', pgUrlFor(world.dst));
  const sync = { source: { connectionId: source }, destination: { connectionId: destination }, schema: world.src, mode: 'upsert', createTables: true };
  const created = await rest.api.call('POST', '/v1/schedules', { token: 'write', body: { id: 'nightly-items', cron: '0 3 * * *', timezone: 'Europe/Amsterdam', sync } });
  expect(created.status).toBe(201);
  expect(created.headers.get('location')).toBe('/v1/schedules/nightly-items');
  expect(created.body).toMatchObject({ id: 'nightly-items', cron: '0 3 * * *', timezone: 'Europe/Amsterdam', paused: false, recentJobs: [] });
  expect(created.body.nextRuns.length).toBeGreaterThan(0);
  expect(new Date(created.body.nextRuns[0]).getUTCMinutes()).toBe(0);

  const paused = await rest.api.call('POST', '/v1/schedules/nightly-items/pause', { token: 'write', body: { note: 'maintenance' } });
  expect(paused.body).toMatchObject({ paused: true, note: 'maintenance' });
  expect((await rest.api.call('GET', '/v1/schedules/nightly-items', { token: 'read' })).body.paused).toBe(true);
  const unpaused = await rest.api.call('POST', '/v1/schedules/nightly-items/unpause', { token: 'write' });
  expect([unpaused.status, unpaused.body]).toEqual([200, expect.objectContaining({ paused: false })]);

  const refresh = await rest.api.call('POST', '/v1/schedules', { token: 'write', body: { id: 'hourly-databases', cron: '@hourly', refresh: { kind: 'databases', connection: source } } });
  expect(refresh.status).toBe(201);
  const triggered = await rest.api.call('POST', '/v1/schedules/hourly-databases/trigger', { token: 'write' });
  expect(triggered.status).toBe(202);
  const deadline = Date.now() + 15_000;
  let jobId: string | undefined;
  while (!jobId) {
    jobId = (await rest.api.call('GET', '/v1/schedules/hourly-databases', { token: 'read' })).body.recentJobs[0];
    if (!jobId && Date.now() > deadline) throw new Error('the triggered schedule started no job');
    if (!jobId) await new Promise((r) => setTimeout(r, 100));
  }
  let job: any;
  for (;;) {
    const res = await rest.api.call('GET', `/v1/jobs/${encodeURIComponent(jobId)}`, { token: 'read' });
    expect(res.status).toBe(200);
    job = res.body;
    if (job.state === 'COMPLETED' || Date.now() > deadline + 15_000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(job).toMatchObject({ type: 'REFRESH_DATABASES', state: 'COMPLETED' });

  const problems: [unknown, number, string, string][] = [
    [{ id: 'bad-cron', cron: '* * * * * * *', sync }, 400, 'SLC-0002', 'cron'],
    [{ id: 'bad-zone', cron: '@daily', timezone: 'Mars/Olympus', sync }, 400, 'SLC-0002', 'timezone'],
    [{ id: 'both', cron: '@daily', sync, refresh: { kind: 'databases', connection: source } }, 400, 'SLC-0002', 'sync'],
    [{ id: 'no-cron', sync }, 400, 'SLC-0001', 'cron'],
    [{ id: 'nightly-items', cron: '@daily', sync }, 409, 'SLC-1002', 'id'],
    [{ id: 'unknown-connection', cron: '@daily', refresh: { kind: 'databases', connection: 'no-such-connection' } }, 404, 'SLC-1001', 'id'],
  ];
  for (const [body, status, code, field] of problems) {
    const res = await rest.api.call('POST', '/v1/schedules', { token: 'write', body });
    expect([(body as { id: string }).id, res.status, res.body.code, res.body.field]).toEqual([(body as { id: string }).id, status, code, field]);
    lerian('Error', res.body);
  }
  expect((await rest.api.call('POST', '/v1/schedules', { token: 'read', body: { id: 'x', cron: '@daily', sync } })).status).toBe(403);

  expect((await rest.api.call('DELETE', '/v1/schedules/nightly-items', { token: 'write' })).status).toBe(204);
  expect((await rest.api.call('DELETE', '/v1/schedules/hourly-databases', { token: 'write' })).status).toBe(204);
  const gone = await rest.api.call('GET', '/v1/schedules/nightly-items', { token: 'read' });
  expect(gone.status).toBe(404);
  expect(gone.body).toMatchObject({ code: 'SLC-1001', field: 'id' });
  expect((await rest.api.call('POST', '/v1/schedules/nightly-items/trigger', { token: 'write' })).status).toBe(404);
});

test('Collibra cancel: a refresh stuck on a silent database → POST /rest/2.0/jobs/{id}/cancel → 202 → CANCELED', async () => {
  // A server that accepts connections and never answers: the refresh's health check waits on it.
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const port = (silent.address() as { port: number }).port;
    const edge = await rest.api.connection('silent-db', `postgresql://nobody:nothing@127.0.0.1:${port}/nowhere`);
    const started = await rest.api.call('POST', `${DB}/databaseConnections/refresh?edgeConnectionId=${edge}`, { token: 'write' });
    expect(started.status).toBe(202);
    const location = started.headers.get('location')!;
    const deadline = Date.now() + 10_000;
    while (sockets.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sockets.length).toBeGreaterThan(0); // the job is waiting on the silent server now
    expect((await rest.api.call('GET', location, { token: 'read' })).body.state).toBe('RUNNING');
    expect((await rest.api.call('POST', `${location}/cancel`, { token: 'read' })).status).toBe(403);
    const cancel = await rest.api.call('POST', `${location}/cancel`, { token: 'write' });
    expect(cancel.status).toBe(202);
    expect(cancel.body.state).toMatch(/RUNNING|CANCELING|CANCELED/);
    const ended = await pollUntilEnded(location, () => undefined, 20_000);
    expect(ended).toMatchObject({ id: started.body.id, state: 'CANCELED', endDate: expect.any(Number) });
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});
