import type { Document, IndexDescriptionInfo } from 'mongodb';
import type { CanonicalType, ColumnSchema, IndexSchema, IntrospectOptions, TableRef, TableSchema, UniqueConstraint } from '@sluice/connector-sdk';
import { LEGACY_STORAGE, STORAGE_CANONICAL, mergeStorage, nativeName, storageName, storageOf, type Storage } from './mongodb-types';
import { isSluiceCollection, SCHEMA_COLLECTION } from './mongodb-checkpoint';
import type { MongoContext } from './mongodb-session';

/** Name of the compound unique index createTable puts on a composite primary key (read order); not a unique constraint. */
export const PK_INDEX = '_sluice_pk';
/** MongoDB's own index on `_id`. */
export const ID_INDEX = '_id_';

/**
 * What `createTable` records in the database's `_sluice_schema` collection
 * (document `_id` = collection name): the canonical columns, so that a
 * relational → MongoDB → relational copy keeps its exact types, and the
 * primary key whose value is each document's `_id`.
 */
export interface CollectionMeta {
  /** `storage`: how createTable chose to store the column on its server (absent in older metadata: LEGACY_STORAGE). */
  columns: { name: string; type: CanonicalType; nullable: boolean; identity: boolean; storage?: Storage }[];
  primaryKey: string[] | null;
}

/** A field as reads and writes see it: canonical type and BSON storage. */
export interface FieldInfo {
  name: string;
  type: CanonicalType;
  storage: Storage;
  nullable: boolean;
  identity: boolean;
  nativeType: string;
  /** What a copy to another engine loses that the type does not say (ColumnSchema.carry). */
  carry?: string;
}

export interface CollectionInfo {
  meta: CollectionMeta | null;
  fields: FieldInfo[];
  /** Documents sampled to infer `fields` (beyond the metadata). */
  sampled: number;
  /** Columns whose value is the document's `_id`: [`_id`], the recorded primary key, or null (generated ObjectId). */
  primaryKey: string[] | null;
}

export async function readMeta(ctx: MongoContext, ref: TableRef): Promise<CollectionMeta | null> {
  const doc = await ctx.db(ref.schema).collection<Document>(SCHEMA_COLLECTION).findOne({ _id: ref.name as never });
  return doc ? { columns: doc.columns, primaryKey: doc.primaryKey ?? null } : null;
}

/** Columns from metadata and sampled documents (constant work: the caller fetched both). */
export function describe(meta: CollectionMeta | null, docs: Document[]): CollectionInfo {
  const stats = new Map<string, { storages: Storage[]; present: number; nulls: number; nested: Set<string> }>();
  for (const doc of docs) {
    for (const [field, value] of Object.entries(doc)) {
      let s = stats.get(field);
      if (!s) stats.set(field, (s = { storages: [], present: 0, nulls: 0, nested: new Set() }));
      const storage = storageOf(value);
      if (storage) {
        s.present++;
        if (!s.storages.includes(storage)) s.storages.push(storage);
        if (storage === 'json') nestedBson(value, s.nested);
      } else if (value === null) s.nulls++;
    }
  }
  const fields: FieldInfo[] = [];
  const known = new Set<string>();
  if (meta) {
    if (!meta.primaryKey?.length) known.add('_id');
    for (const c of meta.columns) {
      known.add(c.name);
      const storage = c.storage ?? LEGACY_STORAGE[c.type.kind];
      fields.push({ name: c.name, type: c.type, nullable: c.nullable, identity: c.identity, storage, nativeType: nativeName(c.type.kind, storage) });
    }
    // The document `_id` holds the primary key's value: not a column of its own.
    if (meta.primaryKey?.length && !meta.primaryKey.includes('_id')) known.add('_id');
  }
  const inferred = (name: string): FieldInfo => {
    const s = stats.get(name) ?? { storages: [], present: 0, nulls: 0, nested: new Set<string>() };
    const storage = mergeStorage(s.storages) ?? 'string';
    const nullable = name !== '_id' && s.present < docs.length;
    const carry: string[] = [];
    if (storage === 'mixed') carry.push(`several BSON types (${s.storages.map(storageName).join(', ')}): each value as JSON`);
    if (s.nested.size) carry.push(`nested BSON ${[...s.nested].join(', ')} values as JSON text`);
    if (s.nulls > 0 && s.present + s.nulls < docs.length) carry.push('absent from some documents and null in others: both arrive as NULL');
    return {
      name,
      storage,
      type: STORAGE_CANONICAL[storage],
      nullable: nullable || docs.length === 0 ? name !== '_id' : false,
      identity: false,
      nativeType: `${storageName(storage)}${nullable ? '|null' : ''} (${docs.length} sampled)`,
      ...(carry.length ? { carry: carry.join('; ') } : {}),
    };
  };
  if (meta && !meta.primaryKey?.length) fields.unshift(inferred('_id'));
  if (!meta && !stats.has('_id')) fields.push(inferred('_id'));
  for (const name of stats.keys()) if (!known.has(name) && !(meta && name === '_id')) fields.push(inferred(name));
  // `_id` first for collections without metadata.
  if (!meta) fields.sort((a, b) => (a.name === '_id' ? -1 : b.name === '_id' ? 1 : 0));
  const primaryKey = meta?.primaryKey?.length ? meta.primaryKey : ['_id'];
  return { meta, fields, sampled: docs.length, primaryKey };
}

/** BSON types inside a nested document / array that JSON has no value of (they travel as text), into `found`. */
function nestedBson(value: unknown, found: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) nestedBson(v, found);
    return;
  }
  const storage = storageOf(value);
  if (storage === 'json') {
    for (const v of Object.values(value as Record<string, unknown>)) nestedBson(v, found);
  } else if (storage === 'date' || storage === 'objectId' || storage === 'binData' || storage === 'uuid' || storage === 'decimal') {
    found.add(storageName(storage));
  }
}

/** Samples the first `size` documents in `_id` order (FerretDB v1 has no `$sample` stage; both servers have this). */
export function sample(ctx: MongoContext, ref: TableRef, size: number): Promise<Document[]> {
  return ctx.db(ref.schema).collection(ref.name).find({}, { sort: { _id: 1 }, limit: size, batchSize: size, promoteValues: false }).toArray();
}

/** Metadata and a sample of one collection (as introspection takes it): what reads and writes need to encode values and name columns. */
export async function collectionInfo(ctx: MongoContext, ref: TableRef, size = ctx.sampleSize): Promise<CollectionInfo> {
  const [meta, docs] = await Promise.all([readMeta(ctx, ref), sample(ctx, ref, size)]);
  return describe(meta, docs);
}

export function indexesOf(specs: IndexDescriptionInfo[]): { indexes: IndexSchema[]; uniqueConstraints: UniqueConstraint[] } {
  const indexes: IndexSchema[] = specs.map((spec) => {
    const { v: _v, ns: _ns, key, name, ...options } = spec as Document;
    return { name: name as string, columns: Object.keys(key), unique: Boolean(spec.unique) || name === ID_INDEX, definition: JSON.stringify({ key, options }) };
  });
  const uniqueConstraints = indexes
    .filter((i) => i.unique && i.name !== ID_INDEX && i.name !== PK_INDEX)
    .map((i) => ({ name: i.name, columns: i.columns }));
  return { indexes, uniqueConstraints };
}

/**
 * Collections of a database as tables: per schema one listCollections and
 * one metadata query; per collection a constant three (the sample of the
 * first `sample_size` documents by `_id`, listIndexes,
 * estimatedDocumentCount), never one per document. Nested documents and
 * arrays are one `json` column; objectId reads as its 24-hex-digit text;
 * a field absent from or null in any sampled document is nullable. The
 * sample size is in each inferred column's nativeType ("long|null (1000
 * sampled)") and in the session's `sampledDocuments`.
 */
export async function introspectDatabase(ctx: MongoContext, schema: string, options: IntrospectOptions = {}): Promise<TableSchema[]> {
  const db = ctx.db(schema);
  const includeViews = options.includeViews ?? ctx.includeViews;
  const listed = await db.listCollections({}, { nameOnly: false }).toArray();
  const wanted = listed
    .filter((c) => !isSluiceCollection(c.name) && !c.name.startsWith('system.'))
    .filter((c) => c.type === 'collection' || (includeViews && c.type === 'view'))
    .filter((c) => !options.tables || options.tables.includes(c.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (!wanted.length) return [];
  const metas = new Map<string, CollectionMeta>();
  for (const doc of await db.collection<Document>(SCHEMA_COLLECTION).find({}).toArray()) {
    metas.set(String(doc._id), { columns: doc.columns, primaryKey: doc.primaryKey ?? null });
  }
  return Promise.all(
    wanted.map(async (c): Promise<TableSchema> => {
      const view = c.type === 'view';
      const collection = db.collection(c.name);
      const [docs, specs, rowEstimate] = await Promise.all([
        collection.find({}, { ...(view ? {} : { sort: { _id: 1 } }), limit: ctx.sampleSize, batchSize: ctx.sampleSize, promoteValues: false }).toArray(),
        view ? Promise.resolve([] as IndexDescriptionInfo[]) : collection.listIndexes().toArray(),
        view ? Promise.resolve(null) : collection.estimatedDocumentCount(),
      ]);
      const info = describe(metas.get(c.name) ?? null, docs);
      ctx.sampled.set(`${schema}\u0000${c.name}`, info.sampled);
      const found = indexesOf(specs as IndexDescriptionInfo[]);
      // `_id` holds the primary key's value: its index is the primary key's (not an index on a column the table lacks).
      const pk = info.primaryKey;
      const indexes = found.indexes.map((i) => (i.name === ID_INDEX && pk?.length && !pk.includes('_id') ? { ...i, columns: pk } : i));
      const { uniqueConstraints } = found;
      const columns: ColumnSchema[] = info.fields.map((f) => ({
        name: f.name,
        nativeType: f.nativeType,
        type: f.type,
        nullable: f.nullable,
        identity: f.identity,
        default: null,
        ...(f.carry ? { carry: f.carry } : {}),
      }));
      return {
        schema,
        name: c.name,
        kind: view ? 'view' : 'table',
        columns,
        primaryKey: view ? null : info.primaryKey,
        uniqueConstraints,
        indexes,
        foreignKeys: [],
        rowEstimate,
      };
    }),
  );
}
