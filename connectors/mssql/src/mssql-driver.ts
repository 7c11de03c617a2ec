/**
 * The few parts of `mssql` 12.x (tedious underneath) this connector uses.
 * `mssql` ships no typings and @types/mssql is not installed, so they are
 * declared here, each checked against node_modules/mssql/lib (base/*.js,
 * tedious/*.js, table.js, datatypes.js). The driver loads on first use:
 * importing the connector stays light.
 */

/** `sql.TYPES.X` (a function) or its result `sql.TYPES.X(length | precision, scale)`. */
export interface MssqlTypeSpec {
  type: MssqlTypeFn;
  length?: number;
  precision?: number;
  scale?: number;
}
export type MssqlTypeFn = ((...args: number[]) => MssqlTypeSpec) & { readonly name: string };

export interface MssqlTypes {
  Bit: MssqlTypeFn;
  TinyInt: MssqlTypeFn;
  SmallInt: MssqlTypeFn;
  Int: MssqlTypeFn;
  BigInt: MssqlTypeFn;
  Real: MssqlTypeFn;
  Float: MssqlTypeFn;
  Decimal: MssqlTypeFn;
  VarChar: MssqlTypeFn;
  NVarChar: MssqlTypeFn;
  VarBinary: MssqlTypeFn;
  Date: MssqlTypeFn;
  Time: MssqlTypeFn;
  DateTime: MssqlTypeFn;
  SmallDateTime: MssqlTypeFn;
  DateTime2: MssqlTypeFn;
  DateTimeOffset: MssqlTypeFn;
  UniqueIdentifier: MssqlTypeFn;
}

/** The config `new ConnectionPool(config)` takes (tedious connection options under `options`). */
export interface MssqlPoolConfig {
  server: string;
  port: number;
  database: string;
  user: string;
  password: string;
  connectionTimeout: number;
  /** 0 = none: a long bulk load or MERGE must not be cut off by the driver. */
  requestTimeout: number;
  pool: { max: number; min: number; idleTimeoutMillis: number };
  options: {
    encrypt: boolean;
    trustServerCertificate: boolean;
    /** tedious: hostname the certificate is checked against (SNI). */
    serverName?: string;
    cryptoCredentialsDetails?: { ca?: string; cert?: string; key?: string };
    appName: string;
    useUTC: boolean;
    /** TDS packet size in bytes; larger packets speed bulk loads up. */
    packetSize: number;
    enableArithAbort: boolean;
    abortTransactionOnError: boolean;
    connector?: () => Promise<import('node:net').Socket>;
  };
  /** Called with every new tedious connection, before it connects. */
  beforeConnect?: (connection: TediousConnection) => void;
}

/** The tedious connection as `beforeConnect` sees it. */
export interface TediousConnection {
  on(event: 'errorMessage', listener: (token: { number: number; message: string }) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  removeListener(event: string, listener: (...args: any[]) => void): void;
  /** Ends the connection and its socket (idempotent). */
  close(): void;
}

export interface MssqlResult {
  recordset: any[];
  recordsets: any[][];
  rowsAffected: number[];
}

export interface MssqlRequest {
  arrayRowMode: boolean | null;
  input(name: string, type: MssqlTypeFn | MssqlTypeSpec, value: unknown): MssqlRequest;
  query(sql: string): Promise<MssqlResult>;
  batch(sql: string): Promise<MssqlResult>;
  bulk(table: MssqlTable, options?: MssqlBulkOptions): Promise<{ rowsAffected: number }>;
  cancel(): boolean;
}

/** tedious' BulkLoad options, passed through by `request.bulk`. */
export interface MssqlBulkOptions {
  checkConstraints?: boolean;
  fireTriggers?: boolean;
  keepNulls?: boolean;
  lockTable?: boolean;
}

export interface MssqlTable {
  name: string;
  schema: string | null;
  path: string;
  columns: { add(name: string, type: MssqlTypeFn | MssqlTypeSpec, options: { nullable: boolean }): number } & unknown[];
  rows: { add(...values: unknown[]): number } & unknown[][];
}

export interface MssqlTransaction {
  begin(): Promise<MssqlTransaction>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface MssqlPool {
  connect(): Promise<MssqlPool>;
  close(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): void;
  removeListener(event: string, listener: (...args: any[]) => void): void;
}

export interface MssqlModule {
  ConnectionPool: new (config: MssqlPoolConfig) => MssqlPool;
  Transaction: new (pool: MssqlPool) => MssqlTransaction;
  Request: new (parent: MssqlPool | MssqlTransaction) => MssqlRequest;
  Table: new (name?: string) => MssqlTable;
  TYPES: MssqlTypes;
  MAX: number;
}

let loaded: MssqlModule | undefined;

export function mssqlDriver(): MssqlModule {
  return (loaded ??= require('mssql') as MssqlModule);
}

/**
 * An mssql `Table` for `request.bulk` at an exact, already quoted path
 * (`[schema].[name]`). `new Table(name)` parses brackets itself and cannot
 * hold a name with `]`, so the parsed fields are set directly: `_bulk` only
 * reads `name` (not empty, no leading `@`) and `path`. Column names go to
 * tedious as `[name]` without escaping, so `]` is doubled here.
 */
export function bulkTable(path: string, columns: { name: string; type: MssqlTypeSpec; nullable: boolean }[]): MssqlTable {
  const table = new (mssqlDriver().Table)();
  table.name = path;
  table.schema = null;
  table.path = path;
  for (const c of columns) table.columns.add(c.name.replace(/]/g, ']]'), c.type, { nullable: c.nullable });
  return table;
}
