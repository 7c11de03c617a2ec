import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { SluiceClient, type SyncJob } from '@sluice/client';
import { startDevServer, type DevServer } from '@sluice/cli';
import { tracingFromEnv } from '@sluice/worker';
import { checksumOf, dropPgSchema, pgItems, pgUrlFor, uniqueName } from './helpers/sync-fixtures';
import { passwordOf, pgQuery, pgUrl } from './helpers/databases';
import { WorkerProcess } from './helpers/worker-process';

// One sync traced end to end: the client's start, the job's workflow, the table's child workflow,
// its copyChunk activities and the connector spans inside them, all in one trace, exported over
// OTLP/HTTP by the test process and a worker process to an OTLP receiver in this process.
const ROWS = 5_000;
const src = uniqueName('otel_src');
const dst = uniqueName('otel_dst');

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  events: { name: string }[];
}

const received: ReceivedSpan[] = [];
const bodies: string[] = [];
let receiver: Server;
let endpoint: string;
let server: DevServer;
let client: SluiceClient;
let provider: NodeTracerProvider;
let worker: WorkerProcess;

const valueOf = (v: Record<string, unknown>): unknown => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attrs = (list: { key: string; value: Record<string, unknown> }[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** An OTLP/HTTP receiver (JSON encoding, `POST /v1/traces`): what the exporters send, flattened. */
function startReceiver(): Promise<Server> {
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !/json/.test(req.headers['content-type'] ?? '')) {
        res.writeHead(415).end();
        return;
      }
      bodies.push(body);
      for (const rs of JSON.parse(body).resourceSpans ?? []) {
        const service = String(attrs(rs.resource?.attributes)['service.name']);
        for (const ss of rs.scopeSpans ?? []) {
          for (const sp of ss.spans ?? []) {
            received.push({ service, traceId: sp.traceId, spanId: sp.spanId, parentSpanId: sp.parentSpanId || undefined, name: sp.name, attributes: attrs(sp.attributes), events: sp.events ?? [] });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

beforeAll(async () => {
  receiver = await startReceiver();
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  provider = new NodeTracerProvider({
    resource: new Resource({ 'service.name': 'sluice-test-client' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))],
  });
  provider.register();
  server = await startDevServer({ headless: true });
  const taskQueue = `otel-${process.pid}-${Date.now()}`;
  worker = new WorkerProcess(server.address, taskQueue, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'sluice-test-worker' });
  await pgItems(src, ROWS);
  await pgQuery(`CREATE SCHEMA "${dst}"`);
  await worker.ready();
  client = await SluiceClient.connect({ address: server.address, taskQueue, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
}, 120_000);

afterAll(async () => {
  worker?.kill();
  await client?.close();
  await server?.stop();
  await provider?.shutdown();
  receiver?.close();
  await dropPgSchema(src);
  await dropPgSchema(dst);
});

test('no OTLP endpoint, no tracing', () => {
  expect(tracingFromEnv({})).toBeNull();
  expect(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
});

test('a sync is one trace: client → workflow → child workflow → activity → connector spans', async () => {
  const id = await client.startSync({
    source: { url: pgUrlFor(src) },
    destination: { url: pgUrlFor(dst) },
    tables: [{ schema: src, name: 'items' }],
    createTables: true,
    batchSize: 1_000,
  });
  const job = await client.waitForJob<SyncJob>(id);
  expect(job).toMatchObject({ state: 'COMPLETED', rowsWritten: ROWS });
  expect(await checksumOf(pgUrlFor(dst), dst, 'items')).toEqual(await checksumOf(pgUrlFor(src), src, 'items'));

  const start = () => received.find((s) => s.name === 'StartWorkflow:syncWorkflow' && s.service === 'sluice-test-client');
  // The worker's batch processor sends every second.
  const deadline = Date.now() + 20_000;
  const copySpans = () => received.filter((s) => s.name === 'sluice.copy' && s.traceId === start()?.traceId);
  while (!(start() && copySpans().length && received.some((s) => s.traceId === start()!.traceId && s.name === 'RunWorkflow:syncWorkflow'))) {
    if (Date.now() > deadline) throw new Error(`spans missing; received: ${JSON.stringify([...new Set(received.map((s) => `${s.service} ${s.name}`))])}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const root = start()!;
  const trace = received.filter((s) => s.traceId === root.traceId);
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const ancestry = (s: ReceivedSpan) => {
    const names: string[] = [];
    for (let p: ReceivedSpan | undefined = s; p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined) names.push(`${p.service === 'sluice-test-client' ? 'client' : 'worker'} ${p.name}`);
    return names.reverse();
  };
  expect(root.parentSpanId).toBeUndefined();
  // The copy's span, up to the client's start, every link present.
  const copy = copySpans()[0]!;
  expect(ancestry(copy)).toEqual([
    'client StartWorkflow:syncWorkflow',
    'worker RunWorkflow:syncWorkflow',
    'worker StartChildWorkflow:syncTableWorkflow',
    'worker RunWorkflow:syncTableWorkflow',
    'worker StartActivity:copyChunk',
    'worker RunActivity:copyChunk',
    'worker sluice.copy',
  ]);
  expect(copy.attributes).toMatchObject({ 'sluice.source.engine': 'postgresql', 'sluice.destination.engine': 'postgresql', 'sluice.table': `${dst}.items` });
  expect(copy.events.some((e) => e.name === 'batch committed')).toBe(true);
  expect(copySpans().reduce((n, s) => n + Number(s.attributes['sluice.rows_written'] ?? 0), 0)).toBeGreaterThan(0);
  // Sessions opened by the job's activities: a connector span under an activity of this trace.
  const opens = trace.filter((s) => s.name === 'connector.open');
  expect(opens.length).toBeGreaterThan(0);
  for (const o of opens) {
    expect(o.attributes['db.system']).toBe('postgresql');
    expect(ancestry(o).at(-2)).toMatch(/^worker RunActivity:/);
  }
  // What left the processes holds no password.
  for (const b of bodies) expect(b).not.toContain(passwordOf(pgUrl()));
}, 120_000);
