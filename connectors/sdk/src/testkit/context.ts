import { randomBytes } from 'node:crypto';
import type { ConnectorSession } from '../connector';
import type { RelationalConfig } from '../config';
import type { TableRef } from '../schema';
import { parseConfig } from '../config';
import { parseConnectionUrl } from '../url';
import type { AdminConnection, ContractFixture } from './fixture';

/** What every check gets: the fixture, a parsed config, an open session, admin access, and scratch schemas. */
export class ContractContext {
  private readonly schemas: string[] = [];
  private sessions: ConnectorSession[] = [];

  private constructor(
    readonly fixture: ContractFixture,
    readonly config: RelationalConfig,
    readonly admin: AdminConnection,
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

  /** A new session, closed with the context. */
  async session(): Promise<ConnectorSession> {
    const session = await this.plugin.open(this.config);
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

  q(ref: TableRef): string {
    return `${this.quoteIdent(ref.schema)}.${this.quoteIdent(ref.name)}`;
  }

  async count(ref: TableRef): Promise<number> {
    const [row] = await this.admin.query(`SELECT COUNT(*) AS n FROM ${this.q(ref)}`);
    return Number(Object.values(row!)[0]);
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
