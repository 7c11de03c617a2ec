import { randomBytes } from 'node:crypto';
import type { ConnectorSession, SessionOptions } from '../connector';
import type { RelationalConfig } from '../config';
import type { TableRef } from '../schema';
import { parseConfig } from '../config';
import { parseConnectionUrl } from '../url';
import type { AdminConnection, ContractFixture, SchemaAdminConnection } from './fixture';

/** What every check gets: the fixture, a parsed config, an open session, admin access, and scratch schemas. */
export class ContractContext {
  private readonly schemas: string[] = [];
  private sessions: ConnectorSession[] = [];

  private constructor(
    readonly fixture: ContractFixture,
    readonly config: RelationalConfig,
    readonly admin: SchemaAdminConnection,
    readonly baselineConnections: number,
    /** The engine's quoting, taken from a session (it is pure). */
    readonly quoteIdent: (name: string) => string,
  ) {}

  static async open(fixture: ContractFixture): Promise<ContractContext> {
    const config = configFor(fixture, fixture.url!);
    const admin = await fixture.admin();
    const baseline = await admin.openConnectionCount();
    const probe = await fixture.plugin.open(config);
    const quoteIdent = probe.quoteIdent.bind(probe);
    await probe.close();
    return new ContractContext(fixture, config, admin, baseline, quoteIdent);
  }

  get plugin() {
    return this.fixture.plugin;
  }

  /** The fixture speaks SQL (its admin runs statements; it has the known schema's DDL). */
  get hasSql(): boolean {
    return this.fixture.sql !== false;
  }

  /** The SQL admin; a check needing it is declared with `needsSql` and skipped for fixtures without SQL. */
  get sql(): AdminConnection {
    if (this.fixture.sql === false) throw new Error(`${this.plugin.displayName}: this check needs SQL and the fixture has none (declare it with needsSql)`);
    return this.admin as AdminConnection;
  }

  /** The known schema's DDL (SQL fixtures only). */
  knownSchemaDdl(schema: string): string[] {
    if (this.fixture.sql === false) throw new Error(`${this.plugin.displayName}: the fixture has no known-schema DDL`);
    return this.fixture.knownSchemaDdl(schema);
  }

  /** The trigger DDL (SQL fixtures only). */
  triggerDdl(schema: string, table: string): string[] {
    if (this.fixture.sql === false) throw new Error(`${this.plugin.displayName}: the fixture has no trigger DDL`);
    return this.fixture.triggerDdl(schema, table);
  }

  /** The row-dropping trigger DDL (SQL fixtures that have one). */
  droppingTriggerDdl(schema: string, table: string): string[] {
    if (this.fixture.sql === false || !this.fixture.droppingTriggerDdl) throw new Error(`${this.plugin.displayName}: the fixture has no row-dropping trigger`);
    return this.fixture.droppingTriggerDdl(schema, table);
  }

  /** A new session, closed with the context. */
  async session(options?: SessionOptions): Promise<ConnectorSession> {
    const session = await this.plugin.open(this.config, options);
    this.sessions.push(session);
    return session;
  }

  /** A fresh empty schema with a unique name (optionally with an adversarial suffix), dropped with the context. */
  async scratchSchema(suffix = ''): Promise<string> {
    const name = `sluice_tk_${randomBytes(4).toString('hex')}${suffix}`;
    await this.admin.createSchema(name);
    this.schemas.push(name);
    return name;
  }

  /** A unique schema name that does not exist yet, dropped with the context if something makes it. */
  scratchSchemaName(): string {
    const name = `sluice_tk_${randomBytes(4).toString('hex')}`;
    this.schemas.push(name);
    return name;
  }

  q(ref: TableRef): string {
    return `${this.quoteIdent(ref.schema)}.${this.quoteIdent(ref.name)}`;
  }

  /**
   * Rows in a table: with SQL, `SELECT COUNT(*)` through the admin (bypassing
   * the connector); without, a full read through a fresh session ordered by
   * the table's primary key (or its first column).
   */
  async count(ref: TableRef): Promise<number> {
    if (this.fixture.sql !== false) {
      const [row] = await this.sql.query(`SELECT COUNT(*) AS n FROM ${this.q(ref)}`);
      return Number(Object.values(row!)[0]);
    }
    const session = await this.plugin.open(this.config);
    try {
      const [table] = await session.introspect(ref.schema, { tables: [ref.name] });
      if (!table || table.name !== ref.name) throw new Error(`count: no table ${ref.schema}.${ref.name}`);
      const key = table.primaryKey?.length ? table.primaryKey : [table.columns[0]!.name];
      let n = 0;
      for await (const batch of session.read(ref, { key, columns: key, batchSize: 10_000 })) n += batch.rows.length;
      return n;
    } finally {
      await session.close();
    }
  }

  async closeSessions(): Promise<void> {
    const open = this.sessions;
    this.sessions = [];
    for (const s of open) await s.close();
  }

  async close(): Promise<void> {
    await this.closeSessions();
    for (const schema of this.schemas) await this.admin.dropSchema(schema).catch(() => undefined);
    await this.admin.close();
  }
}

export function configFor(fixture: ContractFixture, url: string): RelationalConfig {
  return parseConfig(fixture.plugin.configSchema, { connector_type: fixture.plugin.connectorType, ...parseConnectionUrl(url) });
}
