import { ConfigError, type ConnectionSpec, type ConnectorRegistry } from '@sluice/connector-sdk';
import { JobType, type SyncInput } from '@sluice/workflows';

/**
 * Input refused at the door: before any workflow or schedule exists. `field` is the API's name
 * (`batchSize`, `tables[0].name`, `source`, `timezone`); the message says what to give instead.
 */
export class InvalidInputError extends Error {
  override readonly name: string = 'InvalidInputError';
  constructor(
    readonly field: string,
    readonly problem: string,
    /** Per field (a connection config's own fields, e.g. `host`): its problems. */
    readonly details: Record<string, string[]> = { [field]: [problem] },
  ) {
    super(problem.startsWith(field) ? problem : `${field}: ${problem}`);
  }
}

/** A connection whose config the connector's own schema refuses (`details`: each bad field, e.g. `source.host`). */
export class InvalidConnectionError extends InvalidInputError {
  override readonly name = 'InvalidConnectionError';
}

/** Bounds of the numbers a SYNC takes (the CLI's options share them). */
export const SYNC_LIMITS = {
  batchSize: { min: 1, max: 1_000_000 },
  maxParallelTables: { min: 1, max: 64 },
  maxRangesPerTable: { min: 1, max: 64 },
  splitRows: { min: 1, max: Number.MAX_SAFE_INTEGER },
  splitBytes: { min: 1, max: Number.MAX_SAFE_INTEGER },
} as const;

/** Names of schemas, tables and columns: every engine's fit (Oracle, SQL Server, DB2: 128; a MongoDB namespace: 255 bytes). */
export const MAX_IDENTIFIER = 255;
/** Catalog ids and configNames (3–100 characters), schedule ids. */
export const MAX_NAME = 100;
/** A connection URL (hosts end at 253 characters; query parameters, paths to certificates). */
export const MAX_URL = 4096;
const MAX_TABLES = 10_000;
const MODES = ['append', 'upsert', 'replace'];
const VERIFY = ['count', 'checksum', 'none'];
const ZERO_DATES = ['error', 'null'];
const BOOLEANS = ['fullRefresh', 'createTables', 'flattenPartitions', 'highPerformance', 'disableTriggers', 'disableForeignKeys', 'rebuildIndexes', 'identityInsert'] as const;

const fail = (field: string, problem: string): never => {
  throw new InvalidInputError(field, problem);
};

/** A whole number within bounds, or absent. */
export function checkWholeNumber(field: string, value: unknown, { min, max }: { min: number; max: number }): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(field, `must be a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}${typeof value === 'number' ? `; got ${value}` : `; got ${typeof value}`}`);
  }
}

/** A name (identifier, id): a string of 1 to `max` characters, not only spaces, without NUL. */
export function checkName(field: string, value: unknown, max = MAX_IDENTIFIER, optional = true): void {
  if (value === undefined && optional) return;
  if (typeof value !== 'string') return fail(field, `expected a string, got ${value === null ? 'null' : typeof value}`);
  if (value.trim() === '') return fail(field, 'must not be empty');
  if (value.length > max) return fail(field, `must be at most ${max} characters; got ${value.length}`);
  // No engine takes NUL in a name; other odd characters are quoted by the connectors, as a copy needs.
  if (value.includes('\u0000')) return fail(field, 'must not hold a NUL character');
}

function checkChoice(field: string, value: unknown, choices: readonly string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !choices.includes(value)) fail(field, `must be one of ${choices.join(', ')}`);
}

/**
 * A connection spec as a job takes it: a URL, a Syntho-shaped config or a catalog id. Inline ones
 * are checked with the connector's own config schema when `connectors` has their engine (with
 * every installed connector, an engine it lacks is refused as the worker would refuse it).
 */
export function checkConnectionSpec(field: string, spec: unknown, connectors?: ConnectorRegistry): void {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    return fail(field, `expected { url }, { config } or { connectionId }, got ${spec === null ? 'null' : Array.isArray(spec) ? 'an array' : typeof spec}`);
  }
  const s = spec as Record<string, unknown>;
  const kinds = ['url', 'config', 'connectionId', 'sealed'].filter((k) => k in s);
  if (kinds.length !== 1) return fail(field, `give exactly one of url, config or connectionId${kinds.length ? `; got ${kinds.join(' and ')}` : ''}`);
  if ('connectionId' in s) return checkName(`${field}.connectionId`, s.connectionId, MAX_NAME, false);
  if ('sealed' in s) return;
  if ('url' in s) {
    if (typeof s.url !== 'string' || s.url.trim() === '') return fail(`${field}.url`, 'expected a connection URL (engine://user:password@host:port/database)');
    if (s.url.length > MAX_URL) return fail(`${field}.url`, `must be at most ${MAX_URL} characters; got ${s.url.length}`);
  } else if (s.config === null || typeof s.config !== 'object' || Array.isArray(s.config) || typeof (s.config as { connector_type?: unknown }).connector_type !== 'string') {
    return fail(`${field}.config`, 'expected a connector config object with connector_type (e.g. "PostgreSQLConnector")');
  }
  if (!connectors) return;
  try {
    connectors.resolve(s as ConnectionSpec);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The connector's schema names each bad field (host, port, …) and never echoes a value.
    throw new InvalidConnectionError(field, err.message, Object.fromEntries(Object.entries(err.details).map(([k, v]) => [`${field}.${k}`, v])));
  }
}

/** What a SYNC job is asked: refused here, naming the field, before any workflow starts. */
export function checkSyncInput(input: SyncInput, connectors?: ConnectorRegistry): void {
  if (input === null || typeof input !== 'object') fail('input', 'expected a SyncInput object');
  checkConnectionSpec('source', input.source, connectors);
  checkConnectionSpec('destination', input.destination, connectors);
  if (input.tables !== undefined) {
    if (!Array.isArray(input.tables)) fail('tables', 'expected an array of { schema, name }');
    if (input.tables.length > MAX_TABLES) fail('tables', `at most ${MAX_TABLES.toLocaleString('en')} tables a job; got ${input.tables.length}`);
    input.tables.forEach((t, i) => {
      if (t === null || typeof t !== 'object') fail(`tables[${i}]`, 'expected { schema, name }');
      checkName(`tables[${i}].schema`, t.schema, MAX_IDENTIFIER, false);
      checkName(`tables[${i}].name`, t.name, MAX_IDENTIFIER, false);
      checkName(`tables[${i}].destinationName`, t.destinationName);
      checkName(`tables[${i}].cursorColumn`, t.cursorColumn);
      checkChoice(`tables[${i}].mode`, t.mode, MODES);
    });
  }
  checkName('schema', input.schema);
  if (!input.tables?.length && input.schema === undefined) fail('tables', 'give tables: [{ schema, name }] or schema');
  checkName('destinationSchema', input.destinationSchema);
  checkName('cursorColumn', input.cursorColumn);
  checkChoice('mode', input.mode, MODES);
  checkChoice('verify', input.verify, VERIFY);
  checkChoice('zeroDates', input.zeroDates, ZERO_DATES);
  for (const key of BOOLEANS) if (input[key] !== undefined && typeof input[key] !== 'boolean') fail(key, `expected true or false, got ${typeof input[key]}`);
  for (const [key, bounds] of Object.entries(SYNC_LIMITS)) checkWholeNumber(key, input[key as keyof typeof SYNC_LIMITS], bounds);
}

/** Filters of `listJobs`. */
export function checkJobFilter(filter: { type?: unknown; limit?: unknown }): void {
  checkChoice('type', filter.type, Object.values(JobType));
  checkWholeNumber('limit', filter.limit, { min: 1, max: 10_000 });
}

/** A job id (a workflow id: Temporal takes at most 1,000 bytes). */
export function checkJobId(id: unknown): void {
  checkName('jobId', id, 1000, false);
}
