import type { Checkpoint, TableRef } from '@sluice/connector-sdk';
import type { MongoContext } from './mongodb-session';

/** The state collection, one per database, next to the collections it describes. */
export const STATE_COLLECTION = '_sluice_state';
/** Canonical column types of collections made by createTable, one document per collection. */
export const SCHEMA_COLLECTION = '_sluice_schema';
/** Prefix of a replace's staging tables (see activities' `stagingOf`). */
export const STAGING_PREFIX = '_sluice_stg_';

/** Sluice's bookkeeping collections: not data to sync. */
export function isSluiceCollection(name: string): boolean {
  return name === STATE_COLLECTION || name === SCHEMA_COLLECTION || name.startsWith(STAGING_PREFIX);
}

interface StateDoc {
  _id: { table_name: string; stream: string };
  table_name: string;
  stream: string;
  state: string;
  updated_at: Date;
}

const stateId = (table: string, stream: string) => ({ table_name: table, stream });

function states(ctx: MongoContext, schema: string) {
  return ctx.db(schema).collection<StateDoc>(STATE_COLLECTION);
}

/**
 * Upserts the state document. MongoDB commits a batch and its checkpoint
 * together only inside a multi-document transaction, which needs a replica
 * set; FerretDB v1 has none. So the writer writes the batch first (every
 * document keyed by `_id`, replaced when it exists: a retried batch cannot
 * duplicate) and this state after: a crash in between leaves the batch
 * written and the old checkpoint, and the retry rewrites the same documents.
 */
export async function putState(ctx: MongoContext, table: TableRef, checkpoint: Checkpoint): Promise<void> {
  await states(ctx, table.schema).replaceOne(
    { _id: stateId(table.name, checkpoint.stream) },
    { table_name: table.name, stream: checkpoint.stream, state: checkpoint.state, updated_at: new Date() },
    { upsert: true },
  );
}

export async function readCheckpoint(ctx: MongoContext, table: TableRef, stream: string): Promise<string | null> {
  try {
    const doc = await states(ctx, table.schema).findOne({ _id: stateId(table.name, stream) });
    return doc ? doc.state : null;
  } catch (err) {
    throw ctx.error(err);
  }
}

/** Sets the state of `stream`; null deletes it. */
export async function writeCheckpoint(ctx: MongoContext, table: TableRef, stream: string, state: string | null): Promise<void> {
  try {
    if (state === null) await states(ctx, table.schema).deleteOne({ _id: stateId(table.name, stream) });
    else await putState(ctx, table, { stream, state });
  } catch (err) {
    throw ctx.error(err);
  }
}

/** Deletes every state of `table` (it was dropped). */
export async function deleteStates(ctx: MongoContext, table: TableRef): Promise<void> {
  await states(ctx, table.schema).deleteMany({ table_name: table.name });
}
