import { createHash } from 'node:crypto';
import type { ConnectorPlugin, ConnectorSession } from '@sluice/connector-sdk';

interface Idle {
  plugin: ConnectorPlugin;
  session: ConnectorSession;
  timer: NodeJS.Timeout;
}

/**
 * Sessions a job's activities hand on to its next activity on this worker.
 * A fresh session costs a connect, a login and a server process whose
 * catalog caches are cold (on a local PostgreSQL ~15 ms + ~20 ms for the
 * first catalog query): paid by every activity, that was a tenth of a
 * 1M-row job. A session returned here is closed after `idleMs` without a
 * taker, and a job's last activity closes the idle ones at once, so a
 * finished or cancelled job holds no connection. Only sessions whose
 * activity succeeded come back; a failed one is closed (it may be broken).
 */
export class SessionCache {
  private readonly idle = new Map<string, Idle[]>();

  constructor(
    private readonly idleMs = 1_000,
    private readonly perKey = 8,
  ) {}

  /** Identity of a resolved connection: its connector and whole config, hashed (no secret kept as a key). */
  static keyOf(type: string, config: unknown): string {
    return createHash('sha256').update(type).update('\0').update(JSON.stringify(config)).digest('base64url');
  }

  take(key: string): { plugin: ConnectorPlugin; session: ConnectorSession } | undefined {
    const found = this.idle.get(key)?.pop();
    if (!found) return undefined;
    clearTimeout(found.timer);
    if (!this.idle.get(key)!.length) this.idle.delete(key);
    return { plugin: found.plugin, session: found.session };
  }

  /** Keeps a healthy session for the next activity, or closes it when enough are kept. */
  async give(key: string, plugin: ConnectorPlugin, session: ConnectorSession): Promise<void> {
    const list = this.idle.get(key) ?? [];
    if (list.length >= this.perKey) return session.close().catch(() => undefined);
    const entry: Idle = {
      plugin,
      session,
      timer: setTimeout(() => {
        const current = this.idle.get(key);
        const i = current?.indexOf(entry) ?? -1;
        if (i < 0) return;
        current!.splice(i, 1);
        if (!current!.length) this.idle.delete(key);
        void session.close().catch(() => undefined);
      }, this.idleMs).unref(),
    };
    list.push(entry);
    this.idle.set(key, list);
  }

  /** Closes the idle sessions of these connections (all of them without keys). */
  async closeIdle(keys?: string[]): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const key of keys ?? [...this.idle.keys()]) {
      for (const entry of this.idle.get(key) ?? []) {
        clearTimeout(entry.timer);
        closing.push(entry.session.close().catch(() => undefined));
      }
      this.idle.delete(key);
    }
    await Promise.all(closing);
  }

  /** Idle sessions held now (for tests and diagnostics). */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }
}
