import { BSON, type Document, type Filter, type Sort } from 'mongodb';
import { boundedRange, ConnectorError, TestCode, type CopyReadOptions, type KeyRange, type CopyTextBatch, type ReadOptions, type RowBatch, type TableRef } from '@sluice/connector-sdk';
import { collectionInfo, type CollectionInfo, type FieldInfo } from './mongodb-introspect';
import { decodeValue, encodeValue, toPlainJson } from './mongodb-types';
import type { MongoContext } from './mongodb-session';

/**
 * Where a column lives in the documents: the document `_id` when the column
 * is the single-column primary key (its value is `_id`, indexed), else the
 * field of that name.
 */
export function pathOf(info: CollectionInfo, column: string): string {
  const pk = info.primaryKey;
  return pk?.length === 1 && pk[0] === column ? '_id' : column;
}

export function fieldOf(info: CollectionInfo, column: string): FieldInfo {
  const f = info.fields.find((x) => x.name === column);
  if (!f) throw new ConnectorError(TestCode.DRIVER_ERROR, `collection has no field ${JSON.stringify(column)} (in its metadata or sampled documents)`, false);
  return f;
}

/**
 * The keyset condition for `key` against `values` in row-value order, in the
 * OR expansion (k1 > v1) OR (k1 = v1 AND k2 > v2) …; `inclusive` adds the
 * equal row (for `until`).
 */
export function keysetFilter(paths: string[], values: unknown[], op: '$gt' | '$lt', inclusive = false): Filter<Document> {
  const branches: Document[] = [];
  for (let i = 0; i < paths.length; i++) {
    const branch: Document = {};
    for (let j = 0; j < i; j++) branch[paths[j]!] = { $eq: values[j] };
    branch[paths[i]!] = { [op]: values[i] };
    branches.push(branch);
  }
  if (inclusive) branches.push(Object.fromEntries(paths.map((p, j) => [p, { $eq: values[j] }])));
  return branches.length === 1 ? branches[0]! : { $or: branches };
}

/** Encodes canonical key values for a filter on `fields`. */
function encodeKey(fields: FieldInfo[], values: unknown[]): unknown[] {
  if (values.length !== fields.length) throw new ConnectorError(TestCode.DRIVER_ERROR, `key has ${fields.length} columns, got ${values.length} values`, false);
  return fields.map((f, i) => encodeValue(values[i], f.type.kind, f.storage));
}

/** `doc[path]` (no dotted paths: field names never contain '.'). */
const get = (doc: Document, path: string) => doc[path];

/** The cursor of a keyset read: filter from `after` / `until` / `since`, sorted on the key. */
async function keysetQuery(ctx: MongoContext, table: TableRef, options: ReadOptions) {
  const { key } = options;
  if (!key.length) throw new ConnectorError(TestCode.DRIVER_ERROR, 'a read needs a key to order by', false);
  const info = await collectionInfo(ctx, table).catch((err) => {
    throw ctx.error(err);
  });
  const columns = options.columns ?? info.fields.map((f) => f.name);
  const colFields = columns.map((c) => fieldOf(info, c));
  const keyFields = key.map((c) => fieldOf(info, c));
  const keyPaths = key.map((c) => pathOf(info, c));
  const conditions: Filter<Document>[] = [];
  if (options.after) conditions.push(keysetFilter(keyPaths, encodeKey(keyFields, options.after), '$gt'));
  if (options.until) conditions.push(keysetFilter(keyPaths, encodeKey(keyFields, options.until), '$lt', true));
  if (options.since) {
    const f = fieldOf(info, options.since.column);
    conditions.push({ [pathOf(info, f.name)]: { $gt: encodeValue(options.since.value, f.type.kind, f.storage) } });
  }
  const filter: Filter<Document> = conditions.length === 0 ? {} : conditions.length === 1 ? conditions[0]! : { $and: conditions };
  const sort: Sort = Object.fromEntries(keyPaths.map((p) => [p, 1 as const]));
  return { info, columns, colFields, keyFields, keyPaths, colPaths: columns.map((c) => pathOf(info, c)), filter, sort };
}

/**
 * Documents in key order as batches of canonical rows: one cursor sorted on
 * the key (the `_id` index for single-column keys), filtered by `after` /
 * `until` (OR expansion) and `since`, fetched `batchSize` documents a round
 * trip; closed in `finally` (abandoned reads included) and on abort.
 */
export async function* readCollection(ctx: MongoContext, table: TableRef, options: ReadOptions): AsyncGenerator<RowBatch> {
  const { batchSize = 10_000, signal } = options;
  const { info, columns, colFields, keyFields, keyPaths, colPaths, filter, sort } = await keysetQuery(ctx, table, options);
  // A read of every column the sample showed: a field no sampled document had would be dropped silently.
  const seen = info.meta === null && info.fields.every((f) => columns.includes(f.name)) ? new Set(info.fields.map((f) => pathOf(info, f.name))) : null;
  if (signal?.aborted) throw ctx.error(new Error('read aborted'));
  const cursor = ctx.db(table.schema).collection(table.name).find(filter, { sort, batchSize, promoteLongs: false });
  const abort = () => void cursor.close().catch(() => undefined);
  signal?.addEventListener('abort', abort, { once: true });
  try {
    let rows: unknown[][] = [];
    let last: unknown[] = [];
    for (;;) {
      let doc: Document | null;
      try {
        doc = await cursor.next();
      } catch (err) {
        throw ctx.error(signal?.aborted ? new Error('read aborted') : err);
      }
      if (signal?.aborted) throw ctx.error(new Error('read aborted'));
      if (!doc) break;
      if (seen) for (const field of Object.keys(doc)) if (!seen.has(field)) throw unsampledField(table, info, doc, field);
      rows.push(colFields.map((f, i) => decodeValue(get(doc!, colPaths[i]!), f.type.kind)));
      last = keyFields.map((f, i) => decodeValue(get(doc!, keyPaths[i]!), f.type.kind));
      if (rows.length >= batchSize) {
        yield { rows, last };
        rows = [];
      }
    }
    if (rows.length) yield { rows, last };
  } finally {
    signal?.removeEventListener('abort', abort);
    await cursor.close().catch(() => undefined);
  }
}

/** A document with a field none of the sampled ones had: the copy would lose it, so the read fails, saying how to widen the sample. */
function unsampledField(table: TableRef, info: CollectionInfo, doc: Document, field: string): ConnectorError {
  const id = JSON.stringify(toPlainJson(doc._id)).slice(0, 60);
  return new ConnectorError(
    TestCode.DRIVER_ERROR,
    `collection ${table.schema}.${table.name}: document _id ${id} has field ${field}, which none of the ${info.sampled} sampled documents had, ` +
      `so the copy would drop it: sample more documents (the source URL's ?sample_size=N, at most 100000), or copy to MongoDB, which keeps whole documents`,
    false,
  );
}

/**
 * Same engine (MongoDB → MongoDB): the pages of `readCollection` as the
 * documents' own BSON, never decoded (the driver's `raw` documents,
 * concatenated), so every field keeps its BSON type, nested ones included, and
 * a field absent from a document stays absent (a canonical row would make it
 * null). Whole documents when `columns` are every field the collection shows
 * (fields beyond the sample come along too), else only those fields (and
 * `_id`). Only the last document of a page is decoded, for its key.
 */
export async function* readCollectionBson(ctx: MongoContext, table: TableRef, options: CopyReadOptions): AsyncGenerator<CopyTextBatch> {
  const { batchSize = 10_000, signal } = options;
  const { info, columns, keyFields, keyPaths, colPaths, filter, sort } = await keysetQuery(ctx, table, options);
  const whole = info.fields.every((f) => columns.includes(f.name));
  const projection = whole ? undefined : Object.fromEntries(colPaths.map((p) => [p, 1]));
  if (signal?.aborted) throw ctx.error(new Error('read aborted'));
  const cursor = ctx.db(table.schema).collection(table.name).find(filter, { sort, batchSize, projection, raw: true });
  const abort = () => void cursor.close().catch(() => undefined);
  signal?.addEventListener('abort', abort, { once: true });
  try {
    let docs: Buffer[] = [];
    for (;;) {
      let raw: Buffer | null;
      try {
        raw = (await cursor.next()) as unknown as Buffer | null;
      } catch (err) {
        throw ctx.error(signal?.aborted ? new Error('read aborted') : err);
      }
      if (signal?.aborted) throw ctx.error(new Error('read aborted'));
      if (raw) docs.push(Buffer.from(raw));
      if (docs.length && (!raw || docs.length >= batchSize)) {
        const lastDoc = BSON.deserialize(docs[docs.length - 1]!, { promoteLongs: false });
        const last = keyFields.map((f, i) => decodeValue(get(lastDoc, keyPaths[i]!), f.type.kind));
        yield { text: Buffer.concat(docs), rows: docs.length, last, format: 'text' };
        docs = [];
      }
      if (!raw) break;
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    await cursor.close().catch(() => undefined);
  }
}

/** The documents of a `readCollectionBson` page: each a BSON document (int32 length first), types kept (no promotion). */
export function splitBson(text: Buffer): Document[] {
  const docs: Document[] = [];
  for (let at = 0; at < text.length; ) {
    const length = text.readInt32LE(at);
    if (length < 5 || at + length > text.length) throw new ConnectorError(TestCode.DRIVER_ERROR, `not a page of BSON documents (a length of ${length} at byte ${at})`, false);
    docs.push(BSON.deserialize(text.subarray(at, at + length), { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true }));
    at += length;
  }
  return docs;
}

/** Smallest and largest non-null value of `column`: two index-ordered finds (FerretDB v1 lacks $group $min/$max). */
/** Documents in the collection (or between `after` and `until` of `key`, as a read's range), counted by the server. */
export async function countDocuments(
  ctx: MongoContext,
  table: TableRef,
  whole?: KeyRange,
): Promise<number> {
  const range = boundedRange(whole);
  try {
    let filter: Filter<Document> = {};
    if (range) {
      filter = (await keysetQuery(ctx, table, { key: range.key, after: range.after ?? undefined, until: range.until ?? undefined, columns: range.key })).filter;
    }
    return await ctx.db(table.schema).collection(table.name).countDocuments(filter);
  } catch (err) {
    throw ctx.error(err);
  }
}

export async function readKeyBounds(ctx: MongoContext, table: TableRef, column: string): Promise<{ min: unknown; max: unknown } | null> {
  try {
    const info = await collectionInfo(ctx, table);
    const f = fieldOf(info, column);
    const path = pathOf(info, column);
    const collection = ctx.db(table.schema).collection(table.name);
    const filter = { [path]: { $exists: true, $ne: null } };
    const [min, max] = await Promise.all(
      [1, -1].map((dir) => collection.findOne(filter, { sort: { [path]: dir as 1 | -1 }, projection: { [path]: 1 }, promoteLongs: false })),
    );
    if (!min || !max) return null;
    return { min: decodeValue(min[path], f.type.kind), max: decodeValue(max[path], f.type.kind) };
  } catch (err) {
    throw ctx.error(err);
  }
}
