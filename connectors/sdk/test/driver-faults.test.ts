import { EventEmitter } from 'node:events';
import { absorbFaults, BrokenMarks } from '../src/driver-faults';

test('an unabsorbed error event throws (what ends a worker process)', () => {
  expect(() => new EventEmitter().emit('error', new Error('Connection terminated unexpectedly'))).toThrow('Connection terminated unexpectedly');
});

test('an absorbed error event is recorded, the object marked broken, never thrown', () => {
  const marks = new BrokenMarks();
  const connection = new EventEmitter();
  const other = new EventEmitter();
  const seen: unknown[] = [];
  absorbFaults(connection, { marks, onFault: (err) => seen.push(err) });
  const fault = new Error('read ECONNRESET');
  expect(() => connection.emit('error', fault)).not.toThrow();
  expect(marks.has(connection)).toBe(true);
  expect(marks.has(other)).toBe(false);
  expect(marks.lastFault).toBe(fault);
  expect(seen).toEqual([fault]);
});

test('end events mark the object broken too; stopping listening gives the error back to Node', () => {
  const marks = new BrokenMarks();
  const connection = new EventEmitter();
  const stop = absorbFaults(connection, { marks, endEvents: ['end'] });
  connection.emit('end');
  expect(marks.has(connection)).toBe(true);
  stop();
  expect(connection.listenerCount('error')).toBe(0);
  expect(connection.listenerCount('end')).toBe(0);
  expect(() => connection.emit('error', new Error('late'))).toThrow('late');
});
