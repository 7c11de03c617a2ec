import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A Sluice worker process (worker/dist/main.js) on a task queue, watched for its end. */
export class WorkerProcess {
  readonly child: ChildProcess;
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    readonly address: string,
    readonly taskQueue: string,
    env: NodeJS.ProcessEnv = {},
  ) {
    this.child = spawn(process.execPath, [join(__dirname, '..', '..', 'worker', 'dist', 'main.js')], {
      env: { ...process.env, ...env, TEMPORAL_ADDRESS: address, SLUICE_TASK_QUEUE: taskQueue },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.on('exit', (code, signal) => (this.exit = { code, signal }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves once the worker says it polls its task queue. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!/state: 'RUNNING'|"state":"RUNNING"/.test(this.stderr)) {
      if (this.exit) throw new Error(`worker exited (${JSON.stringify(this.exit)}):\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`worker not running after ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Alive: never exited, the OS still knows the pid, and no unhandled error was printed. */
  expectAlive(): void {
    expect(this.exit).toBeUndefined();
    expect(this.child.exitCode).toBeNull();
    expect(() => process.kill(this.pid, 0)).not.toThrow();
    expect(this.stderr).not.toMatch(/Unhandled 'error' event|uncaught exception|unhandled rejection/i);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.exit) this.child.kill(signal);
  }
}
