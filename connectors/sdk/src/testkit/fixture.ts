import type { ConnectorPlugin } from '../connector';

/**
 * What a connector package gives the contract testkit: its plugin, a server
 * URL, and a few engine-specific helpers the testkit cannot write itself
 * (raw DDL for the known schema, triggers, adversarial names the engine takes).
 * The testkit does everything else through the plugin.
 */
export interface ContractFixture {
  plugin: ConnectorPlugin<any>;
  /** The server to test against; when undefined the whole suite reports as skipped. */
  url: string | undefined;
  /** Name of the env var that holds the URL (for the skip message). */
  urlVariable: string;
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
  /** Longest identifier the engine accepts (63 PostgreSQL, 64 MySQL). */
  maxIdentifierLength: number;
  /**
   * Characters no identifier of the engine may hold even quoted (Oracle: `"`);
   * the adversarial-identifier check leaves them out of its names. The connector
   * must still refuse them clearly (its own tests show that).
   */
  identifierForbids?: string;
}

export interface AdminConnection {
  /** Runs one statement. */
  exec(sql: string): Promise<void>;
  /** Runs one query; rows as objects keyed by column name. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Creates an empty schema (PostgreSQL schema / MySQL database) named exactly `name`. */
  createSchema(name: string): Promise<void>;
  dropSchema(name: string): Promise<void>;
  /** Open connections to the server from the test user, other than this admin one (leak checks). */
  openConnectionCount(): Promise<number>;
  close(): Promise<void>;
}
