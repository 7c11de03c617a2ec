import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { SluiceClient } from '@sluice/client';
import { startDevServer, type DevServer } from '@sluice/cli';
import { createSluiceWorker } from '@sluice/worker';

export interface TestTemporal {
  server: DevServer;
  client: SluiceClient;
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** A real Temporal dev server (the `temporal` CLI), a Sluice worker and a client, for one test file. */
export async function startTestTemporal(): Promise<TestTemporal> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // already installed in this process by an earlier test file
    }
  }
  const server = await startDevServer({ headless: true });
  const taskQueue = `test-${process.pid}-${Date.now()}`;
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await createSluiceWorker({ connection, taskQueue });
  const running = worker.run();
  const client = await SluiceClient.connect({ address: server.address, taskQueue });
  return {
    server,
    client,
    worker,
    taskQueue,
    stop: async () => {
      await client.close();
      worker.shutdown();
      await running;
      await connection.close();
      await server.stop();
    },
  };
}
