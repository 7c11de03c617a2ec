import { MongoBulkWriteError, type AnyBulkWriteOperation, type Document } from 'mongodb';
import { ConnectorError, TestCode, type Checkpoint, type TableRef, type TableWriter, type WriterOptions } from '@sluice/connector-sdk';
import { collectionInfo, type FieldInfo } from './mongodb-introspect';
import { checkCollectionName, checkFieldName, encodeValue, storageOf, type Storage } from './mongodb-types';
import { putState } from './mongodb-checkpoint';
import { splitBson } from './mongodb-read';
import type { MongoContext } from './mongodb-session';

const DUPLICATE_KEY = 11000;
const refuse = (message: string) => new ConnectorError(TestCode.DRIVER_ERROR, message, false);

/** A stable text of canonical key values, for deduplicating a batch (Buffers by content). */
function keyText(values: unknown[]): string {
  return JSON.stringify(values, (_k, v) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? `\u0000${Buffer.from((v as { data: number[] }).data).toString('hex')}` : v));
}

/** Keeps the last row of each key, in first-seen order. */
export function dedupeByKey(rows: unknown[][], keyIndexes: number[]): unknown[][] {
  const byKey = new Map<string, unknown[]>();
  for (const row of rows) {
    const k = keyText(keyIndexes.map((i) => row[i]));
    byKey.delete(k);
    byKey.set(k, row);
  }
  return [...byKey.values()];
}

/** The storage of a column no metadata or sample describes: by the canonical JS value written. */
function guessStorage(value: unknown): Storage {
  if (typeof value === 'number') return Number.isInteger(value) && value >= -2147483648 && value <= 2147483647 ? 'int' : 'double';
  return storageOf(value) ?? 'string';
}

/**
 * Rows become documents (column name → field; json values become nested
 * documents / arrays). The document `_id`: a column named `_id` as given;
 * else the collection's primary key recorded by createTable, else the
 * writer's `key` (one column: its value; several: a sub-document
 * {k1, k2}); the key columns stay fields too. Without any of them MongoDB
 * generates an ObjectId `_id` (append only, not idempotent).
 *
 * Every keyed write is insert-or-replace by `_id`, deduplicated by key
 * (last wins): an unordered insertMany, then `replaceOne(_id, doc, {upsert:
 * true})` for the documents whose `_id` exists (one bulkWrite, unordered on
 * the bulk path, ordered otherwise). Append of a key that exists replaces
 * it, so a retried batch never duplicates: that is what makes append exact
 * without transactions. An upsert on a key other than the `_id` one is
 * replaceOne filtered on the key fields. Not-null, type and name checks run on the whole batch before
 * anything is sent, so a bad row fails the batch with nothing written; a
 * server-side failure mid-batch (e.g. a unique index violation) can leave
 * part of it written — a retry converges because writes are keyed.
 */
export async function openMongoWriter(ctx: MongoContext, table: TableRef, options: WriterOptions): Promise<TableWriter> {
  checkCollectionName(table.name, ctx.ferretdb);
  const { columns, mode } = options;
  for (const c of columns) if (c !== '_id') checkFieldName(c, ctx.ferretdb);
  if (mode === 'upsert' && !options.key?.length) throw refuse('upsert needs a key (the columns identifying a document)');
  const info = await collectionInfo(ctx, table).catch((err) => {
    throw ctx.error(err);
  });
  const known = new Map(info.fields.map((f) => [f.name, f]));
  const idKey: string[] | null = columns.includes('_id') ? ['_id'] : info.meta?.primaryKey?.length ? info.meta.primaryKey : options.key?.length ? options.key : null;
  const index = (c: string) => {
    const i = columns.indexOf(c);
    if (i < 0) throw refuse(`key column ${JSON.stringify(c)} is not among the written columns`);
    return i;
  };
  const idIndexes = idKey?.map(index) ?? null;
  const filterKey = mode === 'upsert' ? options.key! : idKey;
  const filterIndexes = filterKey?.map(index) ?? null;
  const byId = filterKey !== null && idKey !== null && filterKey.join('\u0000') === idKey.join('\u0000');
  const notNull = new Set(info.meta?.columns.filter((c) => !c.nullable).map((c) => c.name) ?? []);
  const collection = ctx.db(table.schema).collection(table.name);
  let closed = false;

  const fieldFor = (column: string, value: unknown): { kind: FieldInfo['type']['kind']; storage: Storage } => {
    const f = known.get(column);
    if (f && f.storage !== 'mixed') return { kind: f.type.kind, storage: f.storage };
    const storage = guessStorage(value);
    return { kind: storage === 'json' ? 'json' : 'text', storage };
  };

  const encodeRow = (row: unknown[], n: number): Document => {
    if (row.length !== columns.length) throw refuse(`row ${n + 1} has ${row.length} values for ${columns.length} columns`);
    const doc: Document = {};
    columns.forEach((c, i) => {
      const value = row[i];
      if ((value === null || value === undefined) && notNull.has(c)) throw refuse(`row ${n + 1}: column ${JSON.stringify(c)} is NOT NULL`);
      const { kind, storage } = fieldFor(c, value);
      doc[c] = encodeValue(value, kind, storage);
    });
    if (idIndexes && !columns.includes('_id')) {
      const values = idIndexes.map((i) => doc[columns[i]!]);
      if (values.some((v) => v === null || v === undefined)) throw refuse(`row ${n + 1}: a key column is NULL`);
      doc._id = values.length === 1 ? values[0] : Object.fromEntries(idKey!.map((k, j) => [k, values[j]]));
    }
    return { _id: doc._id, ...doc };
  };

  const replaceById = (doc: Document): AnyBulkWriteOperation<Document> => ({ replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } });

  /**
   * Unordered insertMany; returns the documents refused as duplicate keys
   * (E11000). Those are replaced by _id next: a duplicate on a secondary
   * unique index fails again there, with its own error (FerretDB does not
   * say which index refused a document).
   */
  const insertNew = async (docs: Document[]): Promise<Document[]> => {
    try {
      accounted('insertMany', (await collection.insertMany(docs, { ordered: false })).insertedCount, docs.length);
      return [];
    } catch (err) {
      const writeErrors = (err as { writeErrors?: { index: number; code: number }[] }).writeErrors;
      if (err instanceof MongoBulkWriteError && Array.isArray(writeErrors) && writeErrors.length && writeErrors.every((w) => w.code === DUPLICATE_KEY)) {
        return writeErrors.map((w) => docs[w.index]!);
      }
      throw err;
    }
  };

  /** The server must account for every document of the batch: a short count fails the batch, never completes it. */
  const accounted = (what: string, got: number, wanted: number) => {
    if (got !== wanted) throw refuse(`${what} into ${table.schema}.${table.name} accounted for ${got} of ${wanted} document(s); the batch failed`);
  };
  const replaced = (result: { matchedCount: number; upsertedCount: number }, wanted: number) =>
    accounted('replaceOne (upsert)', result.matchedCount + result.upsertedCount, wanted);

  const writeDocs = async (docs: Document[], checkpoint?: Checkpoint): Promise<void> => {
    try {
      if (!docs.length) {
        // nothing to write
      } else if (!filterKey) {
        accounted('insertMany', (await collection.insertMany(docs, { ordered: !options.highPerformance })).insertedCount, docs.length);
      } else if (byId) {
        // Insert first (cheap, and on FerretDB v1 ~500× faster than an upsert), then replace the documents whose _id exists.
        const existing = await insertNew(docs);
        if (existing.length) replaced(await collection.bulkWrite(existing.map(replaceById), { ordered: !options.highPerformance }), existing.length);
      } else {
        const operations: AnyBulkWriteOperation<Document>[] = docs.map((doc) => ({
          replaceOne: { filter: Object.fromEntries(filterKey.map((k) => [k, doc[k]])), replacement: doc, upsert: true },
        }));
        replaced(await collection.bulkWrite(operations, { ordered: !options.highPerformance }), operations.length);
      }
      if (checkpoint) await putState(ctx, table, checkpoint);
    } catch (err) {
      throw ctx.error(err);
    }
  };

  return {
    async write(rows: unknown[][], checkpoint?: Checkpoint): Promise<number> {
      if (closed) throw refuse('writer is closed');
      const batch = filterIndexes ? dedupeByKey(rows, filterIndexes) : rows;
      await writeDocs(batch.map(encodeRow), checkpoint);
      return rows.length;
    },
    /**
     * Same engine: a page of `readCopyText` (the source's documents as BSON) written as they are,
     * each with its own `_id`, keyed like `write` (insert, then replace the `_id`s that exist).
     */
    async writeCopyText(text: Buffer, rows: number, checkpoint?: Checkpoint): Promise<number> {
      if (closed) throw refuse('writer is closed');
      const docs = splitBson(text);
      if (docs.length !== rows) throw refuse(`a page of ${rows} documents held ${docs.length}`);
      // The source's documents hold their key in `_id` as this collection's do (the same primary key, or `_id` itself).
      if (!byId) throw refuse('a page of documents is written by _id: the writer must be keyed on the primary key the documents hold in _id');
      if (docs.some((d) => d._id === undefined)) throw refuse('a document of the page has no _id');
      await writeDocs(docs, checkpoint);
      return rows;
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}

