import { type ConnectorPlugin, type IndexSchema, type TableSchema, type TypeMapper } from '@sluice/connector-sdk';
import type { TablePlan } from '@sluice/workflows';
import type { TableDdlRecord } from './table-ddl';

/** Native types whose values are text in every engine: carrying them as text loses nothing. */
const CHARACTER_TYPE = /^(character varying|varchar|character|char|bpchar|text|tinytext|mediumtext|longtext|nvarchar|nchar|varchar2|nvarchar2|clob|nclob|string|ntext|graphic|vargraphic|long varchar)(\s*\(\s*\d+\s*(char|byte)?\s*\))?$/i;

/** MySQL/MariaDB spatial types: canonical bytes carrying what the column stores (4-byte SRID + WKB). */
const SPATIAL_TYPE = /^(geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection|geomcollection)$/i;

/**
 * A table created on another engine from canonical types: which of its secondary indexes and
 * foreign keys the destination gets after the load, and, one sentence each, what the mapping
 * loses (a type carried as its text form, a default, an index the destination cannot build).
 */
export function canonicalCarry(
  source: TableSchema,
  table: TablePlan,
  to: ConnectorPlugin,
  /** The destination server's own mapping (`ConnectorSession.types`), else the plugin's. */
  types: TypeMapper = to.types,
  /**
   * The rows travel in the engine's own format between two servers of one connector type (MongoDB's
   * documents as BSON): the values arrive as they were, so no type mapping of theirs is warned about.
   */
  keepsValues = false,
): Pick<TableDdlRecord, 'canonicalIndexes' | 'canonicalForeignKeys' | 'warnings'> {
  const warnings: string[] = [];
  const columns = new Set(source.columns.map((c) => c.name));
  for (const c of keepsValues ? [] : source.columns) {
    const native = types.toNative(c.type);
    if (c.domain) {
      const lost = c.domain.constraints.length ? `, without its ${c.domain.constraints.join(', ')}` : '';
      warnings.push(`column ${c.name}: domain ${c.domain.name} (${c.nativeType}) → ${native}${lost}`);
    }
    // A sampled MongoDB field is spelled with its nullability and sample size ("string|null (3 sampled)").
    const sourceType = c.nativeType.replace(/\s*\(\d+ sampled\)$/, '').replace(/\|null$/, '').trim();
    if (c.type.kind === 'text' && !CHARACTER_TYPE.test(sourceType)) {
      warnings.push(`column ${c.name}: ${c.nativeType} → ${native}, carried as its text form (no ${to.type} counterpart)`);
    }
    if (c.type.kind === 'bytes' && SPATIAL_TYPE.test(c.nativeType.trim())) {
      warnings.push(`column ${c.name}: ${c.nativeType} → ${native} (MySQL's internal SRID+WKB)`);
    }
    // A stand-in the destination holds the values as (MongoDB: decimals, times as their exact text), with why.
    const standIn = types.standIn?.(c.type);
    if (standIn) warnings.push(`column ${c.name}: ${c.nativeType} → ${native}, ${standIn}`);
    // What the source knows from the values its type does not say (MongoDB: several BSON types in one field).
    if (c.carry) warnings.push(`column ${c.name}: ${c.nativeType} → ${native}, ${c.carry}`);
    // An unbounded decimal into a bounded column: a value that does not fit fails its batch, named (never rounded).
    const bounded = c.type.kind === 'decimal' && c.type.precision === undefined ? /\((\d+),\s*(\d+)\)/.exec(native) : null;
    if (bounded) {
      warnings.push(`column ${c.name}: ${c.nativeType} → ${native}, a value with more than ${bounded[2]} decimal places or ${Number(bounded[1]) - Number(bounded[2])} digits before the point fails its batch`);
    }
    if (c.type.kind === 'text' && c.type.fixed && !/^n?char\s*\(/i.test(native)) {
      warnings.push(`column ${c.name}: ${c.nativeType} → ${native}, no longer blank-padded`);
    }
    if (c.default !== null && !c.identity) warnings.push(`column ${c.name}: default ${c.default} not carried to ${to.type}`);
    if (c.type.kind === 'timestamptz' && readsBackAs(types, native) === 'timestamp') {
      warnings.push(`column ${c.name}: ${c.nativeType} → ${native}, held in UTC without its time zone`);
    }
  }
  const constraintColumns = [source.primaryKey ?? [], ...source.uniqueConstraints.map((u) => u.columns)].map((k) => k.join('\u0000'));
  const canonicalIndexes: IndexSchema[] = [];
  if (!to.capabilities.capabilities.INDEX_MANAGEMENT && source.indexes.length) {
    warnings.push(`${to.type} does not build secondary indexes (no INDEX_MANAGEMENT): ${source.indexes.map((i) => i.name).join(', ')} not carried`);
  } else {
    for (const index of source.indexes) {
      // Indexes that back the primary key and unique constraints come with the table.
      if (index.unique && constraintColumns.includes(index.columns.join('\u0000'))) continue;
      if (index.name === 'PRIMARY') continue;
      const special = /\b(FULLTEXT|SPATIAL)\b|\bUSING\s+(gin|gist|brin|hash|spgist)\b|\bWHERE\b/i.exec(index.definition ?? '');
      if (!index.columns.length || index.columns.some((c) => !columns.has(c))) {
        warnings.push(`index ${index.name}: an expression index, not carried to ${to.type}`);
      } else if (special) {
        warnings.push(`index ${index.name}: ${special[0].trim()} index not carried to ${to.type}`);
      } else {
        // Index names are per schema on some engines and per table on others: prefixed with the table's.
        const name = (index.name.startsWith(table.destination.name) ? index.name : `${table.destination.name}_${index.name}`).slice(0, 60);
        if (name !== index.name) warnings.push(`index ${index.name}: created as ${name} (index names are per schema on some engines: prefixed with the table's)`);
        canonicalIndexes.push({ name, columns: index.columns, unique: index.unique });
      }
    }
  }
  return { canonicalIndexes, canonicalForeignKeys: source.foreignKeys, warnings };
}

/** The canonical kind the destination reads its own native type back as (null when it cannot say). */
function readsBackAs(types: TypeMapper, native: string): string | null {
  try {
    return types.toCanonical(native).kind;
  } catch {
    return null;
  }
}
