import { createConnection } from 'mysql2/promise';
import type { AdminConnection, SqlContractFixture } from '@sluice/connector-sdk/dist/testkit/fixture';
import mysql from '@sluice/connector-mysql';

const qi = (name: string) => '`' + name.replace(/`/g, '``') + '`';

/** Raw mysql2 access to the server of SLUICE_MARIADB_URL (UTC, utf8mb4), bypassing the connector. */
export async function admin(): Promise<AdminConnection> {
  const u = new URL(process.env.SLUICE_MARIADB_URL!);
  const connection = await createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  connection.on('error', () => undefined);
  await connection.query("SET time_zone = '+00:00'");
  return {
    exec: async (sql) => void (await connection.query(sql)),
    query: async (sql) => (await connection.query(sql))[0] as Record<string, unknown>[],
    createSchema: async (name) => void (await connection.query(`CREATE DATABASE ${qi(name)} CHARACTER SET utf8mb4`)),
    dropSchema: async (name) => void (await connection.query(`DROP DATABASE IF EXISTS ${qi(name)}`)),
    openConnectionCount: async () => {
      const [rows] = await connection.query(
        // Only this process's Sluice connections: jest runs other test files against the same server at once.
        `SELECT COUNT(*) AS n FROM performance_schema.session_connect_attrs a
           JOIN performance_schema.session_connect_attrs p ON p.PROCESSLIST_ID = a.PROCESSLIST_ID
         WHERE a.ATTR_NAME = 'program_name' AND a.ATTR_VALUE = 'sluice'
           AND p.ATTR_NAME = '_pid' AND p.ATTR_VALUE = ?`,
        [String(process.pid)],
      );
      return Number((rows as { n: number }[])[0]!.n);
    },
    close: () => connection.end(),
  };
}

export const fixture: SqlContractFixture = {
  plugin: mysql,
  url: process.env.SLUICE_MARIADB_URL,
  urlVariable: 'SLUICE_MARIADB_URL',
  admin,
  knownSchemaDdl: (schema) => {
    const s = qi(schema);
    return [
      `CREATE TABLE ${s}.customers (
         id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
         email VARCHAR(200) NOT NULL,
         name VARCHAR(100) NULL,
         created_at TIMESTAMP(6) NOT NULL,
         CONSTRAINT customers_email_key UNIQUE KEY (email)
       ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE ${s}.orders (
         id BIGINT NOT NULL PRIMARY KEY,
         customer_id BIGINT NOT NULL,
         total DECIMAL(12,2) NOT NULL,
         note LONGTEXT NULL,
         KEY orders_customer_idx (customer_id),
         CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES ${s}.customers (id) ON DELETE CASCADE
       ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE ${s}.order_lines (
         order_id BIGINT NOT NULL,
         line_no INT NOT NULL,
         sku VARCHAR(40) NOT NULL,
         qty SMALLINT NOT NULL,
         PRIMARY KEY (order_id, line_no),
         CONSTRAINT order_lines_order_fk FOREIGN KEY (order_id) REFERENCES ${s}.orders (id)
       ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE VIEW ${s}.customer_emails AS SELECT id, email FROM ${s}.customers`,
    ];
  },
  triggerDdl: (schema, table) => [
    `CREATE TRIGGER ${qi(schema)}.${qi(`${table}_audit`)} AFTER INSERT ON ${qi(schema)}.${qi(table)}
     FOR EACH ROW INSERT INTO ${qi(schema)}.audit (n) VALUES (1)`,
  ],
  maxIdentifierLength: 64,
  // MySQL/MariaDB triggers cannot skip a row (SIGNAL fails the statement); the writer's own tests provoke
  // short batches through keys the server changes instead (mysql-write-exact.test.ts).
  lacking: { droppingTrigger: 'a MySQL/MariaDB trigger cannot make an inserted row vanish without an error' },
};
