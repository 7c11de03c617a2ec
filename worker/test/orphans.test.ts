import { spawnSync } from 'node:child_process';
import { localPidOf, workerIdentity } from '../src/orphans';

test('a worker identity names its pid, host and pid namespace; only this host and namespace count as local', () => {
  const self = workerIdentity();
  expect(self).toMatch(new RegExp(`^${process.pid}@.+#\\d+$`));
  const [, host, ns] = /^\d+@(.+)#(\d+)$/.exec(self)!;
  expect(localPidOf(`4242@${host}#${ns}`, self)).toBe(4242);
  expect(localPidOf(`4242@other-host#${ns}`, self)).toBeNull(); // another machine: its pids mean nothing here
  expect(localPidOf(`4242@${host}#1`, self)).toBeNull(); // another container's pid namespace
  expect(localPidOf(`4242@${host}`, self)).toBeNull(); // the SDK's default identity: not ours to judge
  // A process that ran and exited: its pid is local and gone.
  const exited = spawnSync(process.execPath, ['-e', '0']).pid;
  expect(localPidOf(`${exited}@${host}#${ns}`, self)).toBe(exited);
});
