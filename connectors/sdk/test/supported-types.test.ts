import { functionalitiesOf, hooksParamsSchema, propertySpecs, relationalConfigSchema } from '@sluice/connector-sdk';

test('property specs come from the zod config schema, with the Syntho defaults', () => {
  const specs = propertySpecs(relationalConfigSchema({ connectorType: 'PostgreSQLConnector', defaultPort: 5432, defaultProtocol: 'postgresql+psycopg2' }));
  expect(specs.port).toEqual({ type: 'integer', default: 5432, values: null });
  expect(specs.host).toEqual({ type: 'string', default: null, values: null });
  expect(specs.include_views).toEqual({ type: 'boolean', default: false, values: null });
  expect(specs.protocol).toEqual({ type: 'string', default: 'postgresql+psycopg2', values: null });
  expect(specs).not.toHaveProperty('connector_type');
  expect(specs).not.toHaveProperty('hooks_params');
});

test('hook specs list the SSL modes', () => {
  const ssl = propertySpecs(hooksParamsSchema.shape.SSL);
  expect(ssl.ssl_mode).toEqual({ type: 'string', default: null, values: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] });
});

test('functionalities are computed from the declaration, with applicability and depends_on', () => {
  const f = functionalitiesOf({
    highPerformanceWriting: true,
    idempotentWriting: 'PARTIAL',
    capabilities: { DATA_TRUNCATION: true, FOREIGN_KEY_MANAGEMENT: true, UNIQUE_CONSTRAINT_MANAGEMENT: true, DATA_DELETION: true },
  });
  expect(f.map((x) => [x.name, x.kind, x.applicability])).toEqual([
    ['HIGH_PERFORMANCE_WRITING', 'ADDITIVE', 'FULL'],
    ['IDEMPOTENT_WRITING', 'PREVENTIVE', 'PARTIAL'],
  ]);
  expect(f[0]!.capabilities).toEqual([
    { name: 'DATA_TRUNCATION', depends_on: ['FOREIGN_KEY_MANAGEMENT'] },
    { name: 'FOREIGN_KEY_MANAGEMENT', depends_on: null },
    { name: 'UNIQUE_CONSTRAINT_MANAGEMENT', depends_on: ['FOREIGN_KEY_MANAGEMENT'] },
  ]);
  expect(f[1]!.capabilities.map((c) => c.name)).toEqual(['DATA_DELETION', 'FOREIGN_KEY_MANAGEMENT']);
  expect(functionalitiesOf({ highPerformanceWriting: false, idempotentWriting: false, capabilities: {} })).toEqual([]);
});
