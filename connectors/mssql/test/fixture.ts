import type { AdminConnection, SqlContractFixture } from '@sluice/connector-sdk/dist/testkit/fixture';
import { configFor } from '@sluice/connector-sdk/dist/testkit';
import mssql, { quoteIdent as qi, toPoolConfig } from '@sluice/connector-mssql';

type Sql = {
  ConnectionPool: new (config: unknown) => { connect(): Promise<unknown>; close(): Promise<void>; on(e: string, f: () => void): void };
  Request: new (pool: unknown) => { input(n: string, t: unknown, v: unknown): unknown; batch(s: string): Promise<{ recordset?: Record<string, unknown>[] }>; query(s: string): Promise<{ recordset?: Record<string, unknown>[] }> };
  TYPES: { NVarChar: (n: number) => unknown; Int: () => unknown };
};

const url = process.env.MSSQL_URL;

/** Raw mssql access to the server of MSSQL_URL, bypassing the connector (only its config mapping is reused). */
export async function admin(): Promise<AdminConnection> {
  const sql = require('mssql') as Sql;
  const config = { ...toPoolConfig(configFor(fixture, url!), { maxConnections: 1 }) };
  config.options = { ...config.options, appName: 'sluice-admin' };
  const pool = new sql.ConnectionPool(config);
  pool.on('error', () => undefined);
  await pool.connect();
  const batch = async (text: string) => (await new sql.Request(pool).batch(text)).recordset ?? [];
  return {
    exec: async (text) => void (await batch(text)),
    query: (text) => batch(text),
    createSchema: async (name) => void (await batch(`CREATE SCHEMA ${qi(name)}`)),
    dropSchema: async (name) => {
      const r = new sql.Request(pool);
      r.input('s', sql.TYPES.NVarChar(128), name);
      await r.query(`DECLARE @sql NVARCHAR(MAX) = N'';
        SELECT @sql += N'ALTER TABLE ' + QUOTENAME(@s) + N'.' + QUOTENAME(OBJECT_NAME(parent_object_id)) + N' DROP CONSTRAINT ' + QUOTENAME(name) + N'; '
          FROM sys.foreign_keys WHERE schema_id = SCHEMA_ID(@s);
        SELECT @sql += N'DROP VIEW ' + QUOTENAME(@s) + N'.' + QUOTENAME(name) + N'; ' FROM sys.views WHERE schema_id = SCHEMA_ID(@s);
        SELECT @sql += N'DROP TABLE ' + QUOTENAME(@s) + N'.' + QUOTENAME(name) + N'; ' FROM sys.tables WHERE schema_id = SCHEMA_ID(@s);
        IF SCHEMA_ID(@s) IS NOT NULL SET @sql += N'DROP SCHEMA ' + QUOTENAME(@s) + N';';
        EXEC sp_executesql @sql;`);
    },
    openConnectionCount: async () => {
      // Only this process's Sluice connections: jest runs other test files against the same server at once.
      const r = new sql.Request(pool);
      r.input('pid', sql.TYPES.Int(), process.pid);
      const { recordset } = await r.query(`SELECT COUNT(*) AS n FROM sys.dm_exec_sessions WHERE program_name = N'sluice' AND host_process_id = @pid`);
      return Number(recordset![0]!.n);
    },
    close: () => pool.close(),
  };
}

export const fixture: SqlContractFixture = {
  plugin: mssql,
  url,
  urlVariable: 'MSSQL_URL',
  admin,
  knownSchemaDdl: (schema) => {
    const s = qi(schema);
    return [
      `CREATE TABLE ${s}.customers (
         id BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY,
         email NVARCHAR(200) NOT NULL,
         name NVARCHAR(100) NULL,
         created_at DATETIMEOFFSET(6) NOT NULL,
         CONSTRAINT customers_email_key UNIQUE (email)
       )`,
      `CREATE TABLE ${s}.orders (
         id BIGINT NOT NULL PRIMARY KEY,
         customer_id BIGINT NOT NULL,
         total DECIMAL(12,2) NOT NULL,
         note NVARCHAR(MAX) NULL,
         CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES ${s}.customers (id) ON DELETE CASCADE
       )`,
      `CREATE NONCLUSTERED INDEX orders_customer_idx ON ${s}.orders (customer_id)`,
      `CREATE TABLE ${s}.order_lines (
         order_id BIGINT NOT NULL,
         line_no INT NOT NULL,
         sku NVARCHAR(40) NOT NULL,
         qty SMALLINT NOT NULL,
         PRIMARY KEY (order_id, line_no),
         CONSTRAINT order_lines_order_fk FOREIGN KEY (order_id) REFERENCES ${s}.orders (id)
       )`,
      `CREATE VIEW ${s}.customer_emails AS SELECT id, email FROM ${s}.customers`,
    ];
  },
  // SQL Server triggers fire once a statement; one row inserted → one audit row.
  triggerDdl: (schema, table) => [
    `CREATE TRIGGER ${qi(schema)}.${qi(`${table}_audit`)} ON ${qi(schema)}.${qi(table)} AFTER INSERT AS
     BEGIN SET NOCOUNT ON; INSERT INTO ${qi(schema)}.audit (n) SELECT 1 FROM inserted; END`,
  ],
  // An INSTEAD OF trigger that inserts every row but id 2: the statement succeeds, one row short.
  droppingTriggerDdl: (schema, table) => [
    `CREATE TRIGGER ${qi(schema)}.${qi(`${table}_drop_two`)} ON ${qi(schema)}.${qi(table)} INSTEAD OF INSERT AS
     BEGIN SET NOCOUNT ON; INSERT INTO ${qi(schema)}.${qi(table)} (id, v) SELECT id, v FROM inserted WHERE id <> 2; END`,
  ],
  maxIdentifierLength: 128,
};
