import type { CreateIndexesOptions, Document, IndexDescriptionInfo, IndexSpecification } from 'mongodb';
import { ConnectorError, TestCode, type IndexSchema, type TableDefinition, type TableRef, type UniqueConstraint } from '@sluice/connector-sdk';
import { collectionInfo, ID_INDEX, indexesOf, PK_INDEX, readMeta, type CollectionMeta } from './mongodb-introspect';
import { checkCollectionName, checkFieldName, sampledStorage, storageFor, type Storage } from './mongodb-types';
import { deleteStates, SCHEMA_COLLECTION } from './mongodb-checkpoint';
import { fieldOf, pathOf } from './mongodb-read';
import { encodeValue } from './mongodb-types';
import type { MongoContext } from './mongodb-session';

const NAMESPACE_NOT_FOUND = 26;
const NOT_IMPLEMENTED = 238;
const INDEX_NOT_FOUND = 27;

async function guard<T>(ctx: MongoContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw ctx.error(err);
  }
}

const collection = (ctx: MongoContext, ref: TableRef) => ctx.db(ref.schema).collection(ref.name);
const metas = (ctx: MongoContext, schema: string) => ctx.db(schema).collection<{ _id: string } & Document>(SCHEMA_COLLECTION);

/** DATA_TRUNCATION: deletes every document (indexes and metadata stay). */
export function truncate(ctx: MongoContext, ref: TableRef): Promise<void> {
  return guard(ctx, async () => void (await collection(ctx, ref).deleteMany({})));
}

/** DATA_DELETION: deletes the documents with these key values, 1,000 keys a command; returns documents deleted. */
export function deleteRows(ctx: MongoContext, ref: TableRef, key: string[], keys: unknown[][]): Promise<number> {
  return guard(ctx, async () => {
    if (!keys.length) return 0;
    const info = await collectionInfo(ctx, ref);
    const fields = key.map((k) => fieldOf(info, k));
    const paths = key.map((k) => pathOf(info, k));
    let deleted = 0;
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000).map((values) => values.map((v, j) => encodeValue(v, fields[j]!.type.kind, fields[j]!.storage)));
      const filter =
        paths.length === 1 ? { [paths[0]!]: { $in: chunk.map((v) => v[0]) } } : { $or: chunk.map((v) => Object.fromEntries(paths.map((p, j) => [p, { $eq: v[j] }]))) };
      deleted += (await collection(ctx, ref).deleteMany(filter)).deletedCount;
    }
    return deleted;
  });
}

/** A MongoDB source's sampled storage where this server has it (no decimal128 on FerretDB), else the canonical type's. */
function storageOfColumn(ctx: MongoContext, column: TableDefinition['columns'][number]): Storage {
  const sampled = sampledStorage(column.nativeType);
  return sampled && (sampled !== 'decimal' || ctx.server.decimal128) ? sampled : storageFor(column.type, ctx.server);
}

/**
 * SCHEMA_MANAGEMENT: a collection with its canonical columns recorded in
 * `_sluice_schema` (exact types on the way back), a unique index per unique
 * constraint, and for a composite primary key a compound unique index
 * `_sluice_pk` (read order; the document `_id` holds the key either way).
 * NOT NULL is checked by Sluice's writer, not by the server.
 */
export async function createTable(ctx: MongoContext, ref: TableRef, definition: TableDefinition): Promise<void> {
  checkCollectionName(ref.name, ctx.ferretdb);
  for (const c of definition.columns) if (c.name !== '_id') checkFieldName(c.name, ctx.ferretdb);
  const meta: CollectionMeta = {
    // The storage of each column on this server; a MongoDB source's sampled storage kept as it is (objectId, mixed, …).
    columns: definition.columns.map((c) => ({
      name: c.name,
      type: c.type,
      nullable: c.nullable,
      identity: c.identity ?? false,
      storage: storageOfColumn(ctx, c),
    })),
    primaryKey: definition.primaryKey?.length ? definition.primaryKey : null,
  };
  return guard(ctx, async () => {
    const db = ctx.db(ref.schema);
    await db.createCollection(ref.name);
    await metas(ctx, ref.schema).replaceOne({ _id: ref.name }, meta, { upsert: true });
    const pk = meta.primaryKey;
    if (pk && pk.length > 1) await collection(ctx, ref).createIndex(Object.fromEntries(pk.map((k) => [k, 1])), { unique: true, name: PK_INDEX });
    for (const u of definition.uniqueConstraints ?? []) {
      await collection(ctx, ref).createIndex(Object.fromEntries(u.columns.map((k) => [k, 1])), { unique: true, name: u.name });
    }
  });
}

/** SCHEMA_MANAGEMENT: drops the collection, its metadata and its checkpoints. */
export function dropTable(ctx: MongoContext, ref: TableRef): Promise<void> {
  return guard(ctx, async () => {
    await collection(ctx, ref).drop().catch((err) => {
      if ((err as { code?: number }).code !== NAMESPACE_NOT_FOUND && !/ns not found/i.test(String(err))) throw err;
    });
    await metas(ctx, ref.schema).deleteOne({ _id: ref.name });
    await deleteStates(ctx, ref);
  });
}

/** SCHEMA_MANAGEMENT: an empty collection with `like`'s metadata and indexes. */
export async function createTableLike(ctx: MongoContext, like: TableRef, ref: TableRef): Promise<void> {
  checkCollectionName(ref.name, ctx.ferretdb);
  return guard(ctx, async () => {
    const [meta, specs] = await Promise.all([readMeta(ctx, like), collection(ctx, like).listIndexes().toArray()]);
    await ctx.db(ref.schema).createCollection(ref.name);
    if (meta) await metas(ctx, ref.schema).replaceOne({ _id: ref.name }, meta, { upsert: true });
    const { indexes } = indexesOf(specs as IndexDescriptionInfo[]);
    await restore(ctx, ref, indexes.filter((i) => i.name !== ID_INDEX));
  });
}

/**
 * SCHEMA_MANAGEMENT: `renameCollection` with `dropTarget: true` — atomic on
 * MongoDB. FerretDB v1 does not implement `dropTarget` (NotImplemented):
 * there the target is dropped and the staging renamed, so readers may see
 * no target for that moment (not atomic on FerretDB).
 */
export async function swapTable(ctx: MongoContext, staging: TableRef, target: TableRef): Promise<void> {
  if (staging.schema !== target.schema) throw new ConnectorError(TestCode.DRIVER_ERROR, 'swapTable: staging and target must be in the same database', false);
  return guard(ctx, async () => {
    const meta = await readMeta(ctx, staging);
    try {
      await collection(ctx, staging).rename(target.name, { dropTarget: true });
    } catch (err) {
      if ((err as { code?: number }).code !== NOT_IMPLEMENTED) throw err;
      await collection(ctx, target).drop().catch((e) => {
        if ((e as { code?: number }).code !== NAMESPACE_NOT_FOUND) throw e;
      });
      await collection(ctx, staging).rename(target.name);
    }
    if (meta) await metas(ctx, target.schema).replaceOne({ _id: target.name }, meta, { upsert: true });
    else await metas(ctx, target.schema).deleteOne({ _id: target.name });
    await metas(ctx, staging.schema).deleteOne({ _id: staging.name });
  });
}

async function specsOf(ctx: MongoContext, ref: TableRef) {
  return indexesOf((await collection(ctx, ref).listIndexes().toArray()) as IndexDescriptionInfo[]).indexes;
}

async function dropByName(ctx: MongoContext, ref: TableRef, names: string[]): Promise<void> {
  for (const name of names) {
    await collection(ctx, ref).dropIndex(name).catch((err) => {
      if ((err as { code?: number }).code !== INDEX_NOT_FOUND) throw err;
    });
  }
}

/** Recreates indexes from their `definition` ({key, options} as listIndexes gave them), or ascending on the columns. */
async function restore(ctx: MongoContext, ref: TableRef, indexes: IndexSchema[]): Promise<void> {
  for (const index of indexes) {
    const parsed = index.definition ? (JSON.parse(index.definition) as { key: IndexSpecification; options: CreateIndexesOptions }) : null;
    const key = parsed?.key ?? Object.fromEntries(index.columns.map((c) => [c, 1]));
    await collection(ctx, ref).createIndex(key, { ...(parsed?.options ?? {}), name: index.name, unique: index.unique });
  }
}

/** INDEX_MANAGEMENT: drops the secondary (non-unique) indexes, returns them with their specs. */
export function dropIndexes(ctx: MongoContext, ref: TableRef): Promise<IndexSchema[]> {
  return guard(ctx, async () => {
    const secondary = (await specsOf(ctx, ref)).filter((i) => !i.unique);
    await dropByName(ctx, ref, secondary.map((i) => i.name));
    return secondary;
  });
}

export function restoreIndexes(ctx: MongoContext, ref: TableRef, indexes: IndexSchema[]): Promise<void> {
  return guard(ctx, () => restore(ctx, ref, indexes));
}

/** UNIQUE_CONSTRAINT_MANAGEMENT: drops unique indexes other than `_id_` and `_sluice_pk`; restore recreates them ascending. */
export function dropUniqueConstraints(ctx: MongoContext, ref: TableRef): Promise<UniqueConstraint[]> {
  return guard(ctx, async () => {
    const unique = (await specsOf(ctx, ref)).filter((i) => i.unique && i.name !== ID_INDEX && i.name !== PK_INDEX);
    await dropByName(ctx, ref, unique.map((i) => i.name));
    return unique.map((i) => ({ name: i.name, columns: i.columns }));
  });
}

export function restoreUniqueConstraints(ctx: MongoContext, ref: TableRef, constraints: UniqueConstraint[]): Promise<void> {
  return guard(ctx, () => restore(ctx, ref, constraints.map((c) => ({ name: c.name, columns: c.columns, unique: true }))));
}
