/**
 * The Syntho functionality model: what a connector can do when writing.
 * Serialisable data, free of drivers, so workflows can branch on it.
 */
export type FunctionalityName = 'HIGH_PERFORMANCE_WRITING' | 'IDEMPOTENT_WRITING';
export type FunctionalityKind = 'ADDITIVE' | 'PREVENTIVE';
export type FunctionalityApplicability = 'FULL' | 'PARTIAL';
export type CapabilityName =
  | 'IDENTITY_WRITING'
  | 'DATA_TRUNCATION'
  | 'DATA_DELETION'
  | 'INDEX_MANAGEMENT'
  | 'FOREIGN_KEY_MANAGEMENT'
  | 'UNIQUE_CONSTRAINT_MANAGEMENT'
  | 'TRIGGER_MANAGEMENT'
  | 'SCHEMA_MANAGEMENT';

export interface Capability {
  name: CapabilityName;
  depends_on: CapabilityName[] | null;
}

export interface Functionality {
  name: FunctionalityName;
  description: string;
  kind: FunctionalityKind;
  applicability: FunctionalityApplicability;
  capabilities: Capability[];
}
