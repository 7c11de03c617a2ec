import { ConnectorError, TestCode } from '@sluice/connector-sdk';

/**
 * The few parts of ibm_db (4.x, lib/odbc.js + typescript/dist) the connector
 * uses, described structurally: the package is an optional dependency whose
 * native binding may be missing, so nothing here imports it at module load.
 */
export type Db2Param = string | number | null | { ParamType?: 'INPUT'; CType?: 'BINARY'; DataType?: 'BLOB' | 'DOUBLE'; Data: Buffer | number | string };

export interface Db2Statement {
  /** Binds, executes and returns the affected row count (ibm_db executeNonQuery). */
  executeNonQuery(params?: Db2Param[]): Promise<number>;
  close(closeOption?: number): Promise<unknown>;
}

export interface Db2Database {
  /** Rows as objects keyed by column label (FETCH_OBJECT); [] for statements without a result set. */
  query(sql: string, params?: Db2Param[]): Promise<Record<string, unknown>[]>;
  prepare(sql: string): Promise<Db2Statement>;
  beginTransaction(): Promise<unknown>;
  commitTransaction(): Promise<unknown>;
  rollbackTransaction(): Promise<unknown>;
  getInfo(infoType: number, infoLen?: number): Promise<null | string | number>;
  close(): Promise<unknown>;
  connected: boolean;
}

export interface IbmDb {
  open(connStr: string, options?: { connectTimeout?: number | null } | null): Promise<Db2Database>;
  SQL_DBMS_NAME: number;
  SQL_DBMS_VER: number;
}

/** How to get the driver, in one place for the error, the test message and the README. */
export const DRIVER_FIX =
  "install IBM's CLI driver and build ibm_db's native binding: allow ibm_db's install script " +
  '(root package.json "allowScripts": { "ibm_db": true }) and run `npm rebuild ibm_db` (it downloads the clidriver), ' +
  'or set IBM_DB_HOME to an existing clidriver / Db2 client install and run `npm rebuild ibm_db`; see connectors/db2/README.md';

let loaded: IbmDb | undefined;
let loader: () => unknown = () => require('ibm_db');

/** Tests only: replaces how ibm_db is required (null restores the real `require`). */
export function setDriverLoader(load: (() => unknown) | null): void {
  loader = load ?? (() => require('ibm_db'));
  loaded = undefined;
}

/**
 * ibm_db, required on first use (inside `test` / `open`, never at module
 * load). Throws a non-retryable DRIVER_NOT_INSTALLED ConnectorError saying
 * how to install it when the package or its native binding is missing.
 */
export function loadIbmDb(): IbmDb {
  if (loaded) return loaded;
  try {
    loaded = loader() as IbmDb;
    return loaded;
  } catch (err) {
    throw driverNotInstalled(err);
  }
}

export function driverNotInstalled(err: unknown): ConnectorError {
  const first = String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 200);
  return new ConnectorError(
    TestCode.DRIVER_NOT_INSTALLED,
    `DB2 driver not installed: ibm_db or its native binding cannot be loaded (${first}). To fix: ${DRIVER_FIX}`,
    false,
    { driver: ['ibm_db'], fix: [DRIVER_FIX] },
  );
}

/** True when ibm_db and its binding load on this machine (the contract suite's skip check). */
export function driverAvailable(): boolean {
  try {
    loadIbmDb();
    return true;
  } catch {
    return false;
  }
}
