import type { ConnectorPlugin } from '../connector';

/**
 * What a connector's test server cannot do, each with the reason (the
 * checks needing it are registered as skipped, with the reason in their title):
 *
 * - `authentication`: the server checks passwords (a test server run without
 *   authentication accepts any);
 * - `atomicBatches`: a batch of rows, and a batch with its checkpoint, commit
 *   in one transaction (whole or not at all).
 * - `droppingTrigger`: the engine has a trigger that makes an inserted row
 *   vanish without an error (PostgreSQL BEFORE … RETURN NULL, SQL Server
 *   INSTEAD OF), so the check that a short batch fails can be provoked.
 * - `schemaCreation`: a schema that does not exist can be made by the
 *   connector (`createSchema`, or implicitly by `createTable`).
 */
export type FixtureTrait = 'authentication' | 'atomicBatches' | 'droppingTrigger' | 'schemaCreation';

interface ContractFixtureBase {
  plugin: ConnectorPlugin<any>;
  /** The server to test against; when undefined the whole suite reports as skipped. */
  url: string | undefined;
  /** Name of the env var that holds the URL (for the skip message). */
  urlVariable: string;
  /** Longest identifier the engine accepts (63 PostgreSQL, 64 MySQL). */
  maxIdentifierLength: number;
  /**
   * Characters no identifier of the engine may hold even quoted (Oracle: `"`);
   * the adversarial-identifier check leaves them out of its names. The connector
   * must still refuse them clearly (its own tests show that).
   */
  identifierForbids?: string;
  /**
   * Matches each character no schema name may hold, on top of
   * `identifierForbids` (a global RegExp; FerretDB database names: anything
   * but letters, digits, '_' and '-'); the adversarial-identifier check
   * leaves them out of its schema name only.
   */
  schemaNameForbids?: RegExp;
  /** Traits of the contract this fixture's server or engine lacks, with the reason. */
  lacking?: Partial<Record<FixtureTrait, string>>;
}

/**
 * What a SQL connector package gives the contract testkit: its plugin, a server
 * URL, and a few engine-specific helpers the testkit cannot write itself
 * (raw DDL for the known schema, triggers, adversarial names the engine takes).
 * The testkit does everything else through the plugin.
 */
export interface SqlContractFixture extends ContractFixtureBase {
  sql?: true;
  /** Direct access to the server with the engine's driver, bypassing the connector. */
  admin(): Promise<AdminConnection>;
  /**
   * DDL creating the known schema in `schema` (already created, empty):
   *
   * - `customers`: id int64 primary key, generated (identity / auto_increment);
   *   email text(200) NOT NULL with unique constraint `customers_email_key`;
   *   name text(100) NULL; created_at timestamptz NOT NULL.
   * - `orders`: id int64 primary key (not generated); customer_id int64 NOT NULL,
   *   foreign key `orders_customer_fk` → customers(id) ON DELETE CASCADE;
   *   total decimal(12,2) NOT NULL; note text NULL (unbounded text);
   *   non-unique index `orders_customer_idx` on (customer_id).
   * - `order_lines`: order_id int64 NOT NULL, line_no int32 NOT NULL,
   *   sku text(40) NOT NULL, qty int16 NOT NULL; primary key (order_id, line_no);
   *   foreign key `order_lines_order_fk` → orders(id) (NO ACTION).
   * - view `customer_emails`: SELECT id, email FROM customers.
   */
  knownSchemaDdl(schema: string): string[];
  /**
   * DDL for a row-level AFTER INSERT trigger on `schema.table` that inserts
   * one row into `schema.audit` (a table with a single column `n` int32 the
   * testkit created), so the testkit can see whether the trigger fired.
   */
  triggerDdl(schema: string, table: string): string[];
  /**
   * DDL for a trigger on `schema.table` (columns `id` int32 primary key, `v`
   * text) that makes the server drop an inserted row whose id is 2, silently.
   * Absent where the engine has none: then `lacking.droppingTrigger` says why.
   */
  droppingTriggerDdl?(schema: string, table: string): string[];
}

/**
 * A fixture for an engine without SQL (MongoDB): the admin only makes and
 * drops schemas and counts connections. Checks whose set-up needs SQL DDL
 * are registered as skipped ("needs SQL DDL: …"); the others make their
 * tables through the session (SCHEMA_MANAGEMENT) and count through reads.
 */
export interface NoSqlContractFixture extends ContractFixtureBase {
  sql: false;
  admin(): Promise<SchemaAdminConnection>;
}

export type ContractFixture = SqlContractFixture | NoSqlContractFixture;

/** Admin access every fixture gives: schemas and connection counts. */
export interface SchemaAdminConnection {
  /** Creates an empty schema (PostgreSQL schema / MySQL database / MongoDB database) named exactly `name`. */
  createSchema(name: string): Promise<void>;
  dropSchema(name: string): Promise<void>;
  /** Open connections to the server from the test user, other than this admin one (leak checks). */
  openConnectionCount(): Promise<number>;
  close(): Promise<void>;
}

/** Admin access of a SQL fixture. */
export interface AdminConnection extends SchemaAdminConnection {
  /** Runs one statement. */
  exec(sql: string): Promise<void>;
  /** Runs one query; rows as objects keyed by column name. */
  query(sql: string): Promise<Record<string, unknown>[]>;
}
