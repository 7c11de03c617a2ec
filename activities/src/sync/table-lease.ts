import { ApplicationFailure } from '@temporalio/activity';
import { ConnectorError, TestCode, type ConnectionSpec, type ConnectorSession, type TableRef } from '@sluice/connector-sdk';
import type { ConnectionResolver } from '../connections';
import { withSessions } from '../sessions';

/**
 * One writer per destination table, whatever the URL it was reached by: a lease kept in the
 * destination itself (a `_sluice_state` row of the table, written compare-and-set where the
 * connector fences). A job's prepare claims it, each chunk renews it, the finalize renews it
 * while it builds and releases it at the end. A live lease of another job refuses the table
 * (TABLE_BUSY); a lease not renewed for LEASE_MS (its job's workers died) can be taken over.
 */
export const LEASE_STREAM = '#lease';
export const LEASE_MS = 60_000;

interface Lease {
  runKey: string | null;
  /** Worker clock, ms: the lease holds until then unless renewed. */
  until: number;
}

const parse = (stored: string | null): Lease | null => (stored ? (JSON.parse(stored) as Lease) : null);
const conflict = (err: unknown) => err instanceof ConnectorError && err.code === TestCode.CHECKPOINT_CONFLICT;

function busy(table: TableRef, lease: Lease, now: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'TABLE_BUSY',
    nonRetryable: true,
    message:
      `${table.schema}.${table.name} is being written by another job (${lease.runKey}), reached through this or another ` +
      `URL of the same server; run again when it ends (its lease lapses ${Math.ceil((lease.until - now) / 1000)} s after its last sign of life)`,
    details: [{ table: `${table.schema}.${table.name}`, holder: lease.runKey }],
  });
}

/** Claims (or renews) the table for `runKey`; fails TABLE_BUSY while another job's lease is live. */
export async function claimTable(d: ConnectorSession, table: TableRef, runKey: string, now: () => number = Date.now): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await d.readCheckpoint(table, LEASE_STREAM);
    const lease = parse(stored);
    const t = now();
    if (lease?.runKey && lease.runKey !== runKey && lease.until > t) throw busy(table, lease, t);
    try {
      await d.writeCheckpoint(table, LEASE_STREAM, JSON.stringify({ runKey, until: t + LEASE_MS } satisfies Lease), stored);
      return;
    } catch (err) {
      if (!conflict(err)) throw err; // another claim moved it meanwhile: look again
    }
  }
  throw busy(table, parse(await d.readCheckpoint(table, LEASE_STREAM)) ?? { runKey: 'unknown', until: now() }, now());
}

/**
 * Gives the table up, if this run still holds it: the row goes (while this run's lease is live no
 * other run writes it, so reading and then deleting cannot drop a newer claim).
 */
export async function releaseTable(d: ConnectorSession, table: TableRef, runKey: string): Promise<void> {
  if (parse(await d.readCheckpoint(table, LEASE_STREAM))?.runKey !== runKey) return;
  await d.writeCheckpoint(table, LEASE_STREAM, null);
}

/** The activity: gives the claim back on the destination, if this run holds it. */
export async function releaseTableActivity(connections: ConnectionResolver, input: { destination: ConnectionSpec; table: TableRef; runKey: string }): Promise<void> {
  await withSessions(connections, [input.destination], (dst) => releaseTable(dst.session, input.table, input.runKey), { last: true, sides: ['destination'] });
}
