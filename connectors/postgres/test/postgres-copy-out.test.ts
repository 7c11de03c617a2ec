import { EventEmitter } from 'node:events';
import { Client, type Connection } from 'pg';
import { CopyOutToPage, type CopyOutResult } from '@sluice/connector-postgres/dist/postgres-copy-out';

/**
 * COPY … TO STDOUT parsed straight into a page buffer (the read side of the
 * PostgreSQL → PostgreSQL bulk path), against a real server: what the page
 * holds is what pg-copy-streams' stream gave, whatever the socket's chunking,
 * and pg gets the connection back in a usable state after errors and notices.
 */
const url = process.env.SLUICE_PG_URL;
const suite = url ? describe : describe.skip;

/** A page that grows by doubling, as the connector's buffer pool does. */
const grow = (full: Buffer, used: number, need: number) => {
  const bigger = Buffer.alloc(Math.max(full.length * 2, need));
  full.copy(bigger, 0, 0, used);
  return bigger;
};

suite('COPY TO STDOUT into a page', () => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ connectionString: url });
    await client.connect();
  });
  afterAll(() => client.end());

  const copyOut = (sql: string, page = Buffer.alloc(16)) => client.query(new CopyOutToPage(sql, page, grow)).result;
  const text = (r: CopyOutResult) => r.buffer.subarray(0, r.bytes).toString('utf8');

  test('text: every row, byte for byte, one message per row; the page grows from 16 bytes', async () => {
    const r = await copyOut(`COPY (SELECT g, repeat('x', g % 50), NULL::int FROM generate_series(1, 5000) g) TO STDOUT`);
    const expected = Array.from({ length: 5000 }, (_, i) => `${i + 1}\t${'x'.repeat((i + 1) % 50)}\t\\N\n`).join('');
    expect(text(r)).toBe(expected);
    expect(r.rowCount).toBe(5000);
    expect(r.messages).toBe(5000);
    expect(r.buffer.subarray(r.lastMessageAt, r.bytes).toString()).toBe(`5000\t${'x'.repeat(0)}\t\\N\n`);
  });

  test('binary: the header rides with the first row, the trailer comes alone', async () => {
    const one = await copyOut(`COPY (SELECT 7::int4) TO STDOUT (FORMAT binary)`);
    expect(one.rowCount).toBe(1);
    expect(one.messages).toBe(2);
    expect(one.previousMessageAt).toBe(0);
    // signature(11) flags(4) extension(4) | fields(2) length(4) int4(4) | trailer(2)
    expect(one.bytes).toBe(19 + 10 + 2);
    expect(one.buffer.readInt32BE(19 + 6)).toBe(7);
    const none = await copyOut(`COPY (SELECT 1 WHERE false) TO STDOUT (FORMAT binary)`);
    expect([none.rowCount, none.messages, none.bytes]).toEqual([0, 1, 21]);
  });

  /** The bytes the socket gave while `sql` ran, and its outcome. */
  const recordSocket = async (sql: string) => {
    const stream = (client as unknown as { connection: { stream: EventEmitter } }).connection.stream;
    const recorded: Buffer[] = [];
    const emit = stream.emit;
    stream.emit = function (event: string | symbol, ...args: unknown[]) {
      if (event === 'data') recorded.push(Buffer.from(args[0] as Buffer));
      return emit.call(this, event, ...args);
    };
    try {
      const result = await copyOut(sql).catch((err: Error) => err);
      return { bytes: Buffer.concat(recorded), result };
    } finally {
      stream.emit = emit;
    }
  };
  /** Those bytes fed to a parser on a stand-in socket in `size`-byte chunks: its page and what it gave back to pg. */
  const replay = (sql: string, bytes: Buffer, size: number) => {
    const fake = new EventEmitter();
    const toPg: Buffer[] = [];
    fake.on('data', (chunk: Buffer) => toPg.push(chunk)); // pg's own parser
    const copy = new CopyOutToPage(sql, Buffer.alloc(8), grow);
    copy.submit({ stream: fake, query: () => undefined } as unknown as Connection);
    for (let at = 0; at < bytes.length; at += size) fake.emit('data', bytes.subarray(at, at + size));
    expect(fake.listeners('data')).toHaveLength(1); // pg's parser is back
    return { copy, toPg: Buffer.concat(toPg) };
  };
  const SPLITS = [1, 2, 3, 4, 5, 6, 7, 64, 1000];

  test('the same page whatever the socket chunking: real bytes replayed one byte at a time and in odd splits', async () => {
    const sql = `COPY (SELECT g, md5(g::text) FROM generate_series(1, 300) g) TO STDOUT (FORMAT binary)`;
    const { bytes, result } = await recordSocket(sql);
    const real = result as CopyOutResult;
    const copyDone = bytes.indexOf(Buffer.from([0x63, 0, 0, 0, 4]), 5 + real.bytes);
    for (const size of SPLITS) {
      const { copy, toPg } = replay(sql, bytes, size);
      copy.handleCommandComplete({ text: 'COPY 300' });
      copy.handleReadyForQuery();
      const replayed = await copy.result;
      expect(replayed.buffer.subarray(0, replayed.bytes)).toEqual(real.buffer.subarray(0, real.bytes));
      expect([replayed.messages, replayed.lastMessageAt, replayed.previousMessageAt]).toEqual([real.messages, real.lastMessageAt, real.previousMessageAt]);
      // pg reads exactly what follows CopyDone (CommandComplete, ReadyForQuery).
      expect(toPg).toEqual(bytes.subarray(copyDone + 5));
    }
  });

  test('an error midway goes to pg whole, also when its header is split across chunks', async () => {
    const sql = `COPY (SELECT g, 10 / (g - 400) FROM generate_series(1, 1000) g) TO STDOUT`;
    const { bytes, result } = await recordSocket(sql);
    expect(String(result)).toMatch(/division by zero/);
    const errorAt = bytes.lastIndexOf(Buffer.from('SERROR')) - 5; // 'E', int32 length, then the severity field
    expect(bytes[errorAt]).toBe(0x45);
    for (const size of SPLITS) expect(replay(sql, bytes, size).toPg).toEqual(bytes.subarray(errorAt));
  });

  test('notices between rows are skipped; an error midway rejects with the server message and the connection goes on', async () => {
    await client.query(`CREATE OR REPLACE FUNCTION pg_temp.noisy(i int) RETURNS int LANGUAGE plpgsql AS $$
      BEGIN IF i % 100 = 0 THEN RAISE NOTICE 'row %', i; END IF; RETURN 10 / (i - 700); END $$`);
    const fine = await copyOut(`COPY (SELECT g, pg_temp.noisy(g) FROM generate_series(1, 500) g) TO STDOUT`);
    expect(fine.rowCount).toBe(500);
    expect(text(fine).split('\n').slice(0, 2)).toEqual(['1\t0', '2\t0']);
    await expect(copyOut(`COPY (SELECT g, pg_temp.noisy(g) FROM generate_series(1, 1000) g) TO STDOUT`)).rejects.toThrow(/division by zero/);
    expect((await client.query('SELECT 41 + 1 AS n')).rows).toEqual([{ n: 42 }]);
  });

  test('a COPY cancelled on the server midway rejects, and the connection goes on', async () => {
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const other = new Client({ connectionString: url });
    await other.connect();
    try {
      // One row every 10 ms: the cancel comes while the COPY runs (10 s in all).
      const copy = copyOut(`COPY (SELECT g, pg_sleep(0.01) FROM generate_series(1, 1000) g) TO STDOUT`);
      await new Promise((r) => setTimeout(r, 300));
      await other.query('SELECT pg_cancel_backend($1)', [pid]);
      await expect(copy).rejects.toThrow(/canceling statement/);
    } finally {
      await other.end();
    }
    expect((await client.query('SELECT 6 * 7 AS n')).rows).toEqual([{ n: 42 }]);
  });
});
