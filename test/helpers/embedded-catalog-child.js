// Runs one catalog operation in its own process (the embedded store is shared between processes).
// argv: <op> <json arg>; env: SLUICE_CATALOG_DIR, SLUICE_CATALOG_KEYS. Prints the result as JSON.
const { Catalog } = require('@sluice/catalog');

(async () => {
  const [op, arg] = process.argv.slice(2);
  const catalog = await Catalog.open();
  try {
    const input = JSON.parse(arg ?? 'null');
    const result =
      op === 'create' ? await catalog.createConnection(input)
      : op === 'get' ? await catalog.getConnection(input)
      : op === 'config' ? (await catalog.connectionConfig(input)).config
      : op === 'update' ? await catalog.updateConnection(input.id, input.patch)
      : op === 'list' ? await catalog.listConnections()
      : op === 'describe' ? catalog.description
      : null;
    process.stdout.write(JSON.stringify(result));
  } finally {
    await catalog.close();
  }
})().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
