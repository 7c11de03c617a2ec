import { checkDeclarations, CONTRACT_CHECKS, ContractContext, type ContractFixture } from '@sluice/connector-sdk/dist/testkit';
import type { ConnectorPlugin, ConnectorSession, RowBatch } from '@sluice/connector-sdk';
import { fixture } from './fixture';

// The testkit must fail a connector that breaks the contract: here, real
// PostgreSQL sessions with one deliberate defect each.
const check = (name: string) => {
  const found = CONTRACT_CHECKS.find((c) => c.name.startsWith(name));
  if (!found) throw new Error(`no check ${name}`);
  return found;
};

function withBrokenSession(plugin: ConnectorPlugin, breakIt: (s: ConnectorSession) => ConnectorSession): ContractFixture {
  return {
    ...fixture,
    plugin: { ...plugin, open: async (config, options) => breakIt(await plugin.open(config, options)) },
  };
}

const run = fixture.url ? describe : describe.skip;
run('the contract testkit catches broken connectors', () => {
  const contexts: ContractContext[] = [];
  afterAll(async () => {
    for (const ctx of contexts) await ctx.close();
  });
  const contextFor = async (f: ContractFixture) => {
    const ctx = await ContractContext.open(f);
    contexts.push(ctx);
    return ctx;
  };

  test('a read that repeats the last row when resumed fails the resume check', async () => {
    const broken = withBrokenSession(fixture.plugin, (s) => {
      const read = s.read.bind(s);
      s.read = (table, options) =>
        (async function* (): AsyncIterable<RowBatch> {
          let first = true;
          for await (const batch of read(table, options)) {
            // Off-by-one: a resumed read starts at the cursor row instead of after it.
            if (first && options.after) batch.rows.unshift(options.after.concat(['dup', 0]));
            first = false;
            yield batch;
          }
        })();
      return s;
    });
    await expect(check('read resumes').run(await contextFor(broken))).rejects.toThrow();
  });

  test('a bulk writer that drops binary zero bytes fails the round-trip check', async () => {
    const broken = withBrokenSession(fixture.plugin, (s) => {
      const openWriter = s.openWriter.bind(s);
      s.openWriter = async (table, options) => {
        const writer = await openWriter(table, options);
        return {
          write: (rows) => writer.write(rows.map((r) => r.map((v) => (Buffer.isBuffer(v) ? Buffer.from(v.filter((b) => b !== 0)) : v)))),
          close: () => writer.close(),
        };
      };
      return s;
    });
    await expect(check('round trip').run(await contextFor(broken))).rejects.toThrow();
  });

  test('declaring a capability without its operation fails the declaration check', async () => {
    const session = await fixture.plugin.open((await contextFor(fixture)).config);
    try {
      delete (session as Partial<ConnectorSession>).truncate;
      expect(() => checkDeclarations(fixture.plugin.capabilities, session)).toThrow();
    } finally {
      await session.close();
    }
  });
});
